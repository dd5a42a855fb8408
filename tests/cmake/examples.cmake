# Every C++ example of the documentation compiles (issue 15, item 8), with the preset's
# compiler and warnings: the ```cpp blocks of README.md and docs/*.md and the
# @code ... @endcode blocks of include/mcp/**/*.hpp. tests/examples/extract_examples turns
# each file into one generated unit of the object library mcp_htm_doc_examples (#line
# keeps the file and line of each block, so a broken example fails the build there);
# tests/examples/README.md gives the convention. The units are compiled, not run.
# ctest examples:report_file_and_line checks that a broken block fails at its own line.
set(MCP_HTM_EXAMPLES_DIR ${CMAKE_CURRENT_LIST_DIR}/../examples)
cmake_path(NORMAL_PATH MCP_HTM_EXAMPLES_DIR)

add_executable(mcp_htm_extract_examples ${MCP_HTM_EXAMPLES_DIR}/extract_examples.cpp)
target_compile_features(mcp_htm_extract_examples PRIVATE cxx_std_20)

file(GLOB MCP_HTM_EXAMPLE_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
file(GLOB_RECURSE MCP_HTM_EXAMPLE_HEADERS CONFIGURE_DEPENDS
     RELATIVE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/include/mcp/*.hpp)

# Runs the extractor on `source` (shown as `name`), into the list MCP_HTM_EXAMPLE_UNITS.
function(mcp_htm_example_unit source name unit)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/doc-examples/${unit}.cpp)
  set(args --source ${source} --name ${name} --output ${output}
           --skip ${MCP_HTM_EXAMPLES_DIR}/skip.txt ${ARGN})
  add_custom_command(OUTPUT ${output}
    COMMAND mcp_htm_extract_examples ${args}
    DEPENDS ${source} ${MCP_HTM_EXAMPLES_DIR}/skip.txt mcp_htm_extract_examples
    COMMENT "Extracting the C++ examples of ${name}" VERBATIM)
  set(MCP_HTM_EXAMPLE_UNITS ${MCP_HTM_EXAMPLE_UNITS} ${output} PARENT_SCOPE)
endfunction()

set(MCP_HTM_EXAMPLE_UNITS)
mcp_htm_example_unit(${PROJECT_SOURCE_DIR}/README.md README.md README)
foreach(doc IN LISTS MCP_HTM_EXAMPLE_DOCS)
  get_filename_component(stem ${doc} NAME_WE)
  if(stem STREQUAL "http-transport" AND NOT MCP_HTM_HTTP)
    continue()  # its examples need the HTTP component
  endif()
  mcp_htm_example_unit(${doc} docs/${stem}.md docs_${stem})
endforeach()
foreach(header IN LISTS MCP_HTM_EXAMPLE_HEADERS)
  if(header MATCHES "^mcp/(http/|http_transport\\.hpp)" AND NOT MCP_HTM_HTTP)
    continue()
  endif()
  string(REGEX REPLACE "[/.]" "_" unit ${header})
  mcp_htm_example_unit(${PROJECT_SOURCE_DIR}/include/${header} include/${header} ${unit}
                       --include ${header})
endforeach()

# Fragments declare values only to show their type: unused names are not warned about.
# GCC takes a block that #line places in a header for header code, and warns that its
# lambdas (types without linkage) are members of the coroutine frames it instantiates.
set(MCP_HTM_EXAMPLE_OPTIONS -Wno-unused -Wno-unused-parameter
    $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
add_library(mcp_htm_doc_examples OBJECT ${MCP_HTM_EXAMPLE_UNITS})
target_include_directories(mcp_htm_doc_examples PRIVATE ${MCP_HTM_EXAMPLES_DIR})
target_compile_options(mcp_htm_doc_examples PRIVATE ${MCP_HTM_EXAMPLE_OPTIONS})
target_link_libraries(mcp_htm_doc_examples PRIVATE mcp::htm)
if(MCP_HTM_HTTP)
  target_link_libraries(mcp_htm_doc_examples PRIVATE mcp::htm-http)
  target_compile_definitions(mcp_htm_doc_examples PRIVATE MCP_HTM_EXAMPLES_HTTP=1)
endif()

# The check of the check: a fixture whose second block does not compile must fail the
# build of its unit at the block's own line, and its skipped first block must not count.
set(MCP_HTM_BROKEN_UNIT ${CMAKE_CURRENT_BINARY_DIR}/doc-examples/broken_example.cpp)
add_custom_command(OUTPUT ${MCP_HTM_BROKEN_UNIT}
  COMMAND mcp_htm_extract_examples --source ${MCP_HTM_EXAMPLES_DIR}/broken_example.md
          --name broken_example.md --output ${MCP_HTM_BROKEN_UNIT}
  DEPENDS ${MCP_HTM_EXAMPLES_DIR}/broken_example.md mcp_htm_extract_examples VERBATIM)
add_library(mcp_htm_doc_examples_broken OBJECT EXCLUDE_FROM_ALL ${MCP_HTM_BROKEN_UNIT})
target_include_directories(mcp_htm_doc_examples_broken PRIVATE ${MCP_HTM_EXAMPLES_DIR})
target_compile_options(mcp_htm_doc_examples_broken PRIVATE ${MCP_HTM_EXAMPLE_OPTIONS})
target_link_libraries(mcp_htm_doc_examples_broken PRIVATE mcp::htm)
add_test(NAME examples:report_file_and_line
  COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target mcp_htm_doc_examples_broken)
set_tests_properties(examples:report_file_and_line PROPERTIES
  PASS_REGULAR_EXPRESSION "broken_example\\.md:10:"
  FAIL_REGULAR_EXPRESSION "broken_example\\.md:[1-9]:"
  TIMEOUT 300 LABELS examples)
