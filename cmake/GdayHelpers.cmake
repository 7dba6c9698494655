# Shared helpers: per-target warnings and the test registration function.

# gday_set_warnings(target): warnings on for one target (never global), -Werror
# when GDAY_WERROR is set (CI).
function(gday_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                             -Wno-sign-conversion)
    if(GDAY_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
  if(GDAY_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${GDAY_SANITIZE} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${GDAY_SANITIZE})
  endif()
endfunction()

# gday_add_library(name SOURCES ... [DEPS ...]): one folder = one target with an
# alias gday::<name>; public headers live in <folder>/include.
function(gday_add_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(gday_${name} ${arg_SOURCES})
  add_library(gday::${name} ALIAS gday_${name})
  target_include_directories(gday_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(gday_${name} PUBLIC ${arg_DEPS} PRIVATE ${arg_PRIVATE_DEPS})
  gday_set_warnings(gday_${name})
endfunction()

# gday_add_test(name SOURCES ... [DEPS ...] [LABELS ...]): a GoogleTest
# executable registered with ctest, one ctest entry per TEST() (or one per
# executable with GDAY_TEST_PER_EXECUTABLE, which the asan preset sets: under
# the sanitizers, starting a process per TEST() costs more than the tests).
function(gday_add_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_DEPS} GTest::gtest GTest::gtest_main)
  gday_set_warnings(${name})
  if(NOT arg_LABELS)
    set(arg_LABELS unit)
  endif()
  if(GDAY_TEST_PER_EXECUTABLE)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "${arg_LABELS}")
  else()
    gtest_discover_tests(${name} PROPERTIES LABELS "${arg_LABELS}" DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
