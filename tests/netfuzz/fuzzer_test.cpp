#include "gday/netfuzz/fuzzer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "gday/harness/loader.hpp"
#include "gday/harness/runner.hpp"

namespace {

namespace nf = gday::netfuzz;
namespace h = gday::harness;
namespace fs = std::filesystem;
using gday::wire::profile;

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/gday-netfuzz-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

nf::fuzz_options options_in(const temp_dir& dir, std::uint64_t iterations) {
  nf::fuzz_options o;
  o.seed = 11;
  o.iterations = iterations;
  o.duration = std::chrono::minutes(5);
  o.out_dir = dir.path.string();
  o.max_findings = 1;
  o.settle = std::chrono::milliseconds(30);
  return o;
}

h::scenario load(const std::string& file, const std::string& id) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto s = h::parse_scenario(text.str(), file, id);
  if (!s) throw std::runtime_error(s.error().what());
  return *s;
}

TEST(fuzzer_test, finds_a_fault_and_writes_a_minimised_reproducer) {
  temp_dir dir;
  auto faulty = h::make_embedded_target(false, "wrong-error-for-taken-room");
  auto reference = h::make_embedded_target(false, "");
  const auto summary = nf::run_fuzzer(*faulty, *reference, options_in(dir, 200));
  ASSERT_TRUE(summary.target_error.empty()) << summary.target_error;
  ASSERT_EQ(summary.findings.size(), 1u);
  EXPECT_EQ(summary.reference_failures, 0u);
  const auto& f = summary.findings.front();
  EXPECT_EQ(f.kind, nf::finding_kind::difference);
  EXPECT_NE(f.reason.find("ErrorRoomTaken"), std::string::npos) << f.reason;
  EXPECT_LE(f.actions_after, f.actions_before);
  EXPECT_LE(f.actions_after, 3u);  // two CreateRooms, perhaps with one more step
  // The finding names the session it came from: a run with the same seed
  // regenerates it.
  EXPECT_EQ(f.session_seed, nf::session_seed(options_in(dir, 200).seed, f.iteration));

  const auto report = nf::summary_json(summary, options_in(dir, 200), "t", "replay", 1);
  EXPECT_EQ(report["findings"][0]["id"], f.id);
  EXPECT_EQ(report["findings"][0]["kind"], "difference");
  EXPECT_EQ(report["findings"][0]["replay"], "replay " + f.id);
  EXPECT_EQ(report["exit_code"], 1);

  // The reproducer fails on the faulty server and passes on the reference.
  const auto sc = load(f.file, f.id);
  h::run_options ro;
  EXPECT_EQ(h::run_scenario(sc, *faulty, ro, 1).outcome, h::verdict::fail);
  EXPECT_EQ(h::run_scenario(sc, *reference, ro, 2).outcome, h::verdict::pass);
}

TEST(fuzzer_test, finds_address_texts_echoed_as_sent_as_non_canonical_replies) {
  temp_dir dir;
  auto faulty = h::make_embedded_target(false, "echo-local-as-sent");
  auto reference = h::make_embedded_target(false, "");
  const auto summary = nf::run_fuzzer(*faulty, *reference, options_in(dir, 300));
  ASSERT_TRUE(summary.target_error.empty()) << summary.target_error;
  ASSERT_EQ(summary.findings.size(), 1u);
  const auto& f = summary.findings.front();
  EXPECT_EQ(f.kind, nf::finding_kind::non_canonical_reply);
  EXPECT_EQ(f.signature, "non-canonical reply J-9 J-5");
  EXPECT_NE(f.reason.find("first difference at byte"), std::string::npos) << f.reason;
  const auto report = nf::summary_json(summary, options_in(dir, 300), "t", "replay", 1);
  EXPECT_EQ(report["findings"][0]["kind"], "non-canonical reply");
  EXPECT_EQ(report["findings"][0]["replay"], "replay --strict " + f.id);

  // The reproducer is NON-STRICT on the faulty server (so --strict fails it)
  // and byte-exact on the reference.
  const auto sc = load(f.file, f.id);
  h::run_options ro;
  const auto on_faulty = h::run_scenario(sc, *faulty, ro, 1);
  EXPECT_EQ(on_faulty.outcome, h::verdict::non_strict);
  EXPECT_EQ(on_faulty.non_canonical, (std::vector<std::string>{"J-9", "J-5"}));
  const auto on_reference = h::run_scenario(sc, *reference, ro, 2);
  EXPECT_EQ(on_reference.outcome, h::verdict::pass);
  EXPECT_TRUE(on_reference.non_canonical.empty());
}

TEST(fuzzer_test, a_crash_is_reported_as_one) {
  temp_dir dir;
  auto faulty = h::make_embedded_target(false, "crash-on-empty-body");
  auto reference = h::make_embedded_target(false, "");
  const auto summary = nf::run_fuzzer(*faulty, *reference, options_in(dir, 300));
  ASSERT_EQ(summary.findings.size(), 1u);
  EXPECT_EQ(summary.findings.front().kind, nf::finding_kind::crashed);
  EXPECT_TRUE(fs::exists(summary.findings.front().file));
}

TEST(fuzzer_test, finds_nothing_on_the_reference_itself) {
  temp_dir dir;
  auto target = h::make_embedded_target(false, "");
  auto reference = h::make_embedded_target(false, "");
  auto o = options_in(dir, 40);
  o.reference_every = 1;
  for (profile p : {profile::v1, profile::v3}) {
    o.profile = p;
    const auto summary = nf::run_fuzzer(*target, *reference, o);
    EXPECT_TRUE(summary.target_error.empty()) << summary.target_error;
    EXPECT_EQ(summary.iterations, 40u);
    EXPECT_TRUE(summary.findings.empty()) << summary.findings.front().reason;
    EXPECT_EQ(summary.reference_failures, 0u);
    EXPECT_EQ(summary.unconfirmed, 0u);
  }
}

TEST(fuzzer_test, an_unreachable_target_is_an_error_not_a_pass) {
  temp_dir dir;
  h::remote_options r;
  r.target4 = "127.0.0.1:1";  // nothing listens on port 1
  r.plain = true;
  auto target = h::make_remote_target(r);
  ASSERT_TRUE(target);
  auto reference = h::make_embedded_target(true, "");
  auto o = options_in(dir, 5);
  o.fresh_servers = false;
  const auto summary = nf::run_fuzzer(**target, *reference, o);
  EXPECT_NE(summary.target_error.find("cannot fuzz the target"), std::string::npos)
      << summary.target_error;
  EXPECT_EQ(summary.iterations, 0u);
}

// The fuzzer's own failures: each stops or is counted as a fuzzer defect,
// never reported as a finding against the target or as a clean run.
TEST(fuzzer_test, an_out_folder_that_cannot_be_made_is_an_error_naming_it) {
  temp_dir dir;
  const auto in_the_way = dir.path / "a-file";
  std::ofstream(in_the_way) << "not a folder";
  auto target = h::make_embedded_target(false, "");
  auto reference = h::make_embedded_target(false, "");
  auto o = options_in(dir, 5);
  o.out_dir = (in_the_way / "findings").string();
  const auto summary = nf::run_fuzzer(*target, *reference, o);
  EXPECT_EQ(summary.target_error.rfind("cannot create " + o.out_dir + ": ", 0), 0u)
      << summary.target_error;
  EXPECT_EQ(summary.iterations, 0u);
  EXPECT_TRUE(summary.findings.empty());
}

TEST(fuzzer_test, a_reference_that_fails_a_plain_exchange_stops_the_run_as_an_internal_error) {
  temp_dir dir;
  auto target = h::make_embedded_target(false, "");
  auto broken_reference = h::make_embedded_target(false, "own-contact-in-peer-contact");
  const auto summary = nf::run_fuzzer(*target, *broken_reference, options_in(dir, 5));
  EXPECT_EQ(summary.target_error.rfind(
                "internal error: the reference does not complete a plain exchange: ", 0),
            0u)
      << summary.target_error;
  EXPECT_EQ(summary.iterations, 0u);
  EXPECT_TRUE(summary.findings.empty());
}

TEST(fuzzer_test, a_reproducer_the_reference_fails_too_is_a_fuzzer_defect_not_a_finding) {
  temp_dir dir;
  // The same fault on both sides: the target's failure reproduces, but the
  // reference fails the minimised scenario as well, so the oracle (not the
  // target) is to blame.
  auto faulty = h::make_embedded_target(false, "wrong-error-for-taken-room");
  auto faulty_reference = h::make_embedded_target(false, "wrong-error-for-taken-room");
  auto o = options_in(dir, 3);
  o.seed = 2;  // its first session creates a room twice
  o.reference_every = 0;
  const auto summary = nf::run_fuzzer(*faulty, *faulty_reference, o);
  EXPECT_TRUE(summary.target_error.empty()) << summary.target_error;
  EXPECT_TRUE(summary.findings.empty()) << summary.findings.front().reason;
  ASSERT_GE(summary.reference_failures, 1u);
  bool kept = false;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    kept = kept || entry.path().filename().string().rfind("internal-", 0) == 0;
  }
  EXPECT_TRUE(kept) << "no internal-*.json scenario kept in " << dir.path;
}

TEST(fuzzer_test, sessions_the_reference_fails_are_counted_as_fuzzer_defects) {
  temp_dir dir;
  auto target = h::make_embedded_target(false, "");
  auto faulty_reference = h::make_embedded_target(false, "wrong-error-for-taken-room");
  auto o = options_in(dir, 3);
  o.seed = 2;  // its first session creates a room twice
  o.reference_every = 1;
  const auto summary = nf::run_fuzzer(*target, *faulty_reference, o);
  EXPECT_TRUE(summary.target_error.empty()) << summary.target_error;
  EXPECT_TRUE(summary.findings.empty()) << summary.findings.front().reason;
  EXPECT_GE(summary.reference_failures, 1u);
}

TEST(fuzzer_test, signatures_ignore_where_and_with_what) {
  EXPECT_EQ(nf::signature_of("/steps/4: unexpected ReceivedAddr, ErrorUnexpectedMsg (got "
                             "ErrorUnexpectedMsg, expected ErrorRoomTaken); expected X, Y"),
            nf::signature_of("/steps/2: unexpected RoomCreated, ErrorUnexpectedMsg (got "
                             "ErrorUnexpectedMsg, expected ErrorRoomTaken); expected Y"));
  EXPECT_EQ(nf::signature_of("/steps/7: unexpected PeerContact (PeerContact.local.v4 is "
                             "10.1.1.1:1, expected null); expected PeerContact"),
            nf::signature_of("/steps/3: unexpected PeerContact (PeerContact.local.v6 is null, "
                             "expected [fe80::1%2]:5000); expected PeerContact"));
  EXPECT_NE(nf::signature_of("(got ErrorSyntax, expected RoomCreated)"),
            nf::signature_of("(got ErrorRoomTaken, expected RoomCreated)"));
}

TEST(fuzzer_test, session_seeds_differ_per_iteration_and_per_run_seed) {
  EXPECT_NE(nf::session_seed(1, 0), nf::session_seed(1, 1));
  EXPECT_NE(nf::session_seed(1, 0), nf::session_seed(2, 0));
  // Neighbouring runs share no session: (seed, iteration) pairs never collide,
  // as they would with a plain seed + iteration.
  std::set<std::uint64_t> seen;
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    for (std::uint64_t i = 0; i < 256; ++i) {
      EXPECT_TRUE(seen.insert(nf::session_seed(seed, i)).second) << seed << "/" << i;
    }
  }
}

}  // namespace
