#include "gday/client/self_check.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

namespace client = gday::client;
using gday::wire::profile;

TEST(self_check_test, the_reference_server_passes_on_every_profile) {
  for (const auto p : {profile::v1, profile::v2, profile::v3}) {
    std::vector<client::self_check_step> steps;
    std::vector<std::string> notes;
    client::self_check_callbacks callbacks;
    callbacks.note = [&](const std::string& text) { notes.push_back(text); };
    callbacks.on_step = [&](const client::self_check_step& s) { steps.push_back(s); };
    const auto outcome = client::self_check(p, callbacks);
    EXPECT_TRUE(outcome.passed()) << gday::wire::to_string(p);
    EXPECT_EQ(outcome.failed, 0u);
    // Connections, the exchange, the room's end and the malformed request.
    EXPECT_GE(steps.size(), 15u);
    for (const auto& s : steps) EXPECT_TRUE(s.ok) << s.what << ": " << s.detail;
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[1].rfind("listening on 127.0.0.1:", 0), 0u) << notes[1];
  }
}

TEST(self_check_test, an_incomplete_run_does_not_pass) {
  client::self_check_outcome outcome;
  EXPECT_FALSE(outcome.passed());
  outcome.completed = true;
  EXPECT_TRUE(outcome.passed());
  outcome.failed = 1;
  EXPECT_FALSE(outcome.passed());
}

}  // namespace
