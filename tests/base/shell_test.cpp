#include "gday/base/shell.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace {

using gday::base::shell_quote;

TEST(shell_test, quotes_every_word_in_single_quotes) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("two words"), "'two words'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("''"), "''\\'''\\'''");
}

// What /bin/sh makes of `printf %s <quoted>`: the text must come back as it
// was, metacharacters and all.
std::string through_the_shell(const std::string& text) {
  const std::string command = "printf %s " + shell_quote(text);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string out;
  char buffer[256];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST(shell_test, the_shell_reads_back_the_original_text) {
  for (const std::string text :
       {"", "a b", "it's", "'", "\"double\"", "$HOME ${x} $(echo no) `echo no`", "a;b|c&d>e<f",
        "*?[a-z]~", "back\\slash", "tab\there", "line\nbreak", "#not a comment", "!bang"}) {
    EXPECT_EQ(through_the_shell(text), text) << shell_quote(text);
  }
}

TEST(shell_test, expands_every_placeholder_and_leaves_other_text) {
  EXPECT_EQ(gday::base::expand_placeholders("srv -a {host}:{port} -b [::1]:{port} {other}",
                                            {{"host", "127.0.0.1"}, {"port", "2311"}}),
            "srv -a 127.0.0.1:2311 -b [::1]:2311 {other}");
  // A value that holds its own placeholder is not expanded again.
  EXPECT_EQ(gday::base::expand_placeholders("{a}{a}", {{"a", "{a}"}}), "{a}{a}");
}

}  // namespace
