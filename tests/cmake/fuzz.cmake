# libFuzzer harnesses, tests/fuzz/<name>_fuzz.cpp, each with its seed corpus in
# tests/fuzz/corpus/<name>/ and the shared dictionary tests/fuzz/mcp.dict.
# - MCP_HTM_FUZZ=ON (the `fuzz` preset; Clang only): fuzz_<name> linked with libFuzzer
#   (-fsanitize=fuzzer), built by the target fuzz-harnesses; scripts/fuzz.sh runs them.
# - Otherwise (every other preset): fuzz_<name>_replay, the same harness with a plain main
#   (tests/fuzz/replay_main.cpp), and the ctest fuzz:<name>:corpus that replays the seed
#   corpus through it -- under GCC, Clang and the sanitizers, no libFuzzer needed.
option(MCP_HTM_FUZZ "Build the libFuzzer harnesses (Clang; see the fuzz preset)" OFF)

set(MCP_HTM_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR}/../fuzz)
cmake_path(NORMAL_PATH MCP_HTM_FUZZ_DIR)
file(GLOB MCP_HTM_FUZZ_SOURCES CONFIGURE_DEPENDS ${MCP_HTM_FUZZ_DIR}/*_fuzz.cpp)

if(MCP_HTM_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MCP_HTM_FUZZ needs Clang (libFuzzer): use `cmake --preset fuzz`")
endif()

set(MCP_HTM_FUZZ_TARGETS)
foreach(source IN LISTS MCP_HTM_FUZZ_SOURCES)
  get_filename_component(stem ${source} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" name ${stem})
  if(MCP_HTM_FUZZ)
    set(target fuzz_${name})
    add_executable(${target} ${source})
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  else()
    set(target fuzz_${name}_replay)
    add_executable(${target} ${source} ${MCP_HTM_FUZZ_DIR}/replay_main.cpp)
    add_test(NAME fuzz:${name}:corpus
             COMMAND ${target} ${MCP_HTM_FUZZ_DIR}/corpus/${name})
    set_tests_properties(fuzz:${name}:corpus PROPERTIES TIMEOUT 300 LABELS fuzz)
  endif()
  # bench/bench_categories.hpp: the no-op categories (header only).
  target_include_directories(${target} PRIVATE ${MCP_HTM_FUZZ_DIR} ${PROJECT_SOURCE_DIR}/bench)
  target_link_libraries(${target} PRIVATE mcp::htm)
  list(APPEND MCP_HTM_FUZZ_TARGETS ${target})
endforeach()

if(MCP_HTM_FUZZ)
  add_custom_target(fuzz-harnesses DEPENDS ${MCP_HTM_FUZZ_TARGETS})
endif()
