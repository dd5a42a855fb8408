# cpack -G DEB of the build tree, then: the package's name and Debian dependencies, its
# contents unpacked with dpkg -x into a scratch root (what dpkg -i would put under /),
# and the find_package consumer built against that root and run.
# cmake -DBUILD_DIR= -DWORK_DIR= -DCONSUMER_SOURCE= -DGENERATOR= -DCXX= -DCXX_FLAGS=
#       -DLINKER_FLAGS= -DBUILD_TYPE= -DVERSION= -P deb_consumer.cmake
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed:\n${out}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
run(cpack -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}/out)
file(GLOB debs ${WORK_DIR}/out/*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "cpack made ${count} packages: ${debs}")
endif()
list(GET debs 0 deb)

# The fields a Debian user relies on.
function(field name expected)
  run(dpkg-deb --field ${deb} ${name})
  string(STRIP "${out}" value)
  if(NOT value STREQUAL expected)
    message(FATAL_ERROR "${name}: '${value}', expected '${expected}'")
  endif()
endfunction()
field(Package libmcp-htm-dev)
field(Version ${VERSION})
field(Section libdevel)
field(Depends "libasio-dev (>= 1:1.22), libfmt-dev (>= 9), nlohmann-json3-dev (>= 3.10)")
field(Suggests "pkg-config, cmake (>= 3.25), libvalijson-dev")
# Each dependency is a real Debian package, satisfied here in the version it asks for.
foreach(dep libasio-dev:1:1.22 libfmt-dev:9 nlohmann-json3-dev:3.10)
  string(FIND "${dep}" ":" colon)
  string(SUBSTRING "${dep}" 0 ${colon} package)
  math(EXPR after "${colon} + 1")
  string(SUBSTRING "${dep}" ${after} -1 minimum)
  run(dpkg-query --showformat=\${Version} --show ${package})
  execute_process(COMMAND dpkg --compare-versions "${out}" ge "${minimum}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${package} ${out} is older than the package's >= ${minimum}")
  endif()
endforeach()

# What dpkg -i would install, under a scratch root.
run(dpkg -x ${deb} ${WORK_DIR}/root)
run(dpkg-deb --contents ${deb})
foreach(path ./usr/include/mcp/htm.hpp ./usr/include/mcp/version.hpp ./usr/lib/libmcp_htm.a
             ./usr/lib/cmake/mcp_htm/mcp_htmConfig.cmake ./usr/lib/pkgconfig/mcp_htm.pc)
  string(FIND "${out}" "${path}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the package lacks ${path}:\n${out}")
  endif()
endforeach()

run(${CMAKE_CTEST_COMMAND} --build-and-test ${CONSUMER_SOURCE} ${WORK_DIR}/consumer
    --build-generator ${GENERATOR}
    --build-options -DCMAKE_PREFIX_PATH=${WORK_DIR}/root/usr -DCMAKE_FIND_USE_INSTALL_PREFIX=OFF
      -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
      "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}" -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    --test-command ${WORK_DIR}/consumer/consumer)
# The consumer found the package in the scratch root, not elsewhere.
file(STRINGS ${WORK_DIR}/consumer/CMakeCache.txt dir REGEX "^mcp_htm_DIR:")
if(NOT dir MATCHES "${WORK_DIR}/root/usr/lib/cmake/mcp_htm")
  message(FATAL_ERROR "the consumer used ${dir}, not the unpacked package")
endif()
message(STATUS "${deb}: built and ran the consumer against its contents")
