# sluice_library(NAME SRCS a.cc b.cc DEPS x y): one static library per module, with an
# explicit dependency list so the layering in docs/architecture.md stays checkable.
set(SLUICE_WARNINGS -Wall -Wextra -Wno-unused-parameter)
# GCC 12 warns -Wrestrict inside libstdc++ for `"literal" + std::string` at -O2 (GCC bug 105651,
# a false positive fixed in GCC 13): off for GCC 12 only, so -Werror builds keep every other check.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND SLUICE_WARNINGS -Wno-restrict)
endif()
# Clang checks the locking discipline stated with base/thread_annotations.h.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND SLUICE_WARNINGS -Wthread-safety)
endif()
# CI builds turn every warning into an error (make test / asan / tsan pass -DSLUICE_WERROR=ON).
option(SLUICE_WERROR "Treat compiler warnings in Sluice's own code as errors" OFF)
if(SLUICE_WERROR)
  list(APPEND SLUICE_WARNINGS -Werror)
endif()
# simdjson's on-demand parser picks its kernel at compile time: without AVX2 flags it falls
# back to the scalar kernel (~10x slower). x86-64-v3 (AVX2/BMI2) + PCLMUL selects "haswell";
# valgrind runs it too. Override with -DSLUICE_ARCH_FLAGS= for other CPUs.
set(SLUICE_ARCH_FLAGS "-march=x86-64-v3;-mpclmul" CACHE STRING "CPU flags for the hot paths")
add_compile_options(${SLUICE_ARCH_FLAGS})
if(SLUICE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # GCC's -Wmaybe-uninitialized gives false positives under -fsanitize=address (GCC's manual says
  # so), here inside Boost.Beast's parser; the Release and clang builds keep the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND SLUICE_WARNINGS -Wno-maybe-uninitialized)
  endif()
endif()
if(SLUICE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(SLUICE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# DEPS are the modules (and packages) whose headers this module's own headers include: users of
# the module see them too. PRIVATE_DEPS are used only by its .cc files. scripts/check-deps.py
# checks every project #include against these lists (make lint). HEADERS names headers without a .cc
# of their own that belong to this library rather than to the first library of its folder (read by
# check-deps only; the build ignores it).
function(sluice_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS;HEADERS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${SLUICE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# sluice_interface(NAME HEADERS a.h DEPS x): a header-only module (a seam between two layers).
function(sluice_interface name)
  cmake_parse_arguments(ARG "" "" "HEADERS;DEPS" ${ARGN})
  add_library(${name} INTERFACE)
  target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} INTERFACE ${ARG_DEPS})
endfunction()

# sluice_test(NAME SRCS a_test.cc DEPS x): a GoogleTest binary registered with ctest.
function(sluice_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  if(NOT SLUICE_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${SLUICE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  # Every test file includes GoogleTest, a second or two of parsing each: parsed once per build
  # into one precompiled header that every test binary reuses (the tests' compile flags differ only
  # by definitions GoogleTest does not read). Clang only: GCC 12 warns inside libstdc++ headers
  # that come from a precompiled header (-Wstringop-overflow), which -Werror turns into errors.
  # Not with a compiler launcher: ccache does not cache users of a precompiled header by default.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND NOT CMAKE_CXX_COMPILER_LAUNCHER AND NOT CMAKE_DISABLE_PRECOMPILE_HEADERS)
    if(NOT TARGET sluice_gtest_pch)
      set(pch_src ${PROJECT_BINARY_DIR}/sluice_gtest_pch.cc)
      if(NOT EXISTS ${pch_src})
        file(WRITE ${pch_src} "// Owner of the GoogleTest precompiled header (cmake/sluice.cmake).\n")
      endif()
      add_library(sluice_gtest_pch OBJECT ${pch_src})
      target_compile_options(sluice_gtest_pch PRIVATE ${SLUICE_WARNINGS})
      target_link_libraries(sluice_gtest_pch PRIVATE GTest::gtest)
      target_precompile_headers(sluice_gtest_pch PRIVATE <gtest/gtest.h>)
    endif()
    target_precompile_headers(${name} REUSE_FROM sluice_gtest_pch)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()
