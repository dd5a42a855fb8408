# Builds tests/find_package/main.cpp with nothing but the compiler and
# `pkg-config --cflags --libs mcp_htm` (the installed .pc file), then runs it.
# cmake -DCXX= -DCXX_FLAGS= -DLINKER_FLAGS= -DPKG_CONFIG_PATH= -DSOURCE= -DWORK_DIR=
#       -DEXPECTED_VERSION= -P pkg_config_consumer.cmake
set(ENV{PKG_CONFIG_PATH} "${PKG_CONFIG_PATH}")
execute_process(COMMAND pkg-config --modversion mcp_htm
                RESULT_VARIABLE rc OUTPUT_VARIABLE version ERROR_VARIABLE error
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not find mcp_htm in ${PKG_CONFIG_PATH}: ${error}")
endif()
if(NOT version STREQUAL EXPECTED_VERSION)
  message(FATAL_ERROR "mcp_htm.pc says version ${version}, the project ${EXPECTED_VERSION}")
endif()
execute_process(COMMAND pkg-config --cflags --libs mcp_htm
                RESULT_VARIABLE rc OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(linker_flags UNIX_COMMAND "${LINKER_FLAGS}")
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(command ${CXX} -std=c++20 ${cxx_flags} "-DEXPECTED_VERSION=\"${version}\"" ${SOURCE}
            -o ${WORK_DIR}/consumer ${flags} ${linker_flags})
list(JOIN command " " shown)
message(STATUS "${shown}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer does not build")
endif()
execute_process(COMMAND ${WORK_DIR}/consumer RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed: ${rc}")
endif()
