# FindAsio: standalone Asio (header-only, no CMake package on Debian).
# Defines Asio_FOUND, Asio_VERSION and the INTERFACE IMPORTED target asio::asio.
include(FindPackageHandleStandardArgs)
find_path(Asio_INCLUDE_DIR NAMES asio.hpp asio/version.hpp)
if(Asio_INCLUDE_DIR AND EXISTS "${Asio_INCLUDE_DIR}/asio/version.hpp")
  file(STRINGS "${Asio_INCLUDE_DIR}/asio/version.hpp" _asio_ver REGEX "^#define ASIO_VERSION ")
  string(REGEX MATCH "[0-9]+" _asio_ver "${_asio_ver}")
  math(EXPR _major "${_asio_ver} / 100000")
  math(EXPR _minor "${_asio_ver} / 100 % 1000")
  math(EXPR _patch "${_asio_ver} % 100")
  set(Asio_VERSION "${_major}.${_minor}.${_patch}")
endif()
find_package_handle_standard_args(Asio REQUIRED_VARS Asio_INCLUDE_DIR VERSION_VAR Asio_VERSION)
if(Asio_FOUND AND NOT TARGET asio::asio)
  find_package(Threads REQUIRED)
  add_library(asio::asio INTERFACE IMPORTED)
  set_target_properties(asio::asio PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Asio_INCLUDE_DIR}")
  target_link_libraries(asio::asio INTERFACE Threads::Threads)
  target_compile_definitions(asio::asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED
    # Asio 1.22 only detects the coroutines TS under Clang; C++20 coroutines work.
    $<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1 ASIO_HAS_STD_COROUTINE=1>)
endif()
mark_as_advanced(Asio_INCLUDE_DIR)
