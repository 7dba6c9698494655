// Judging clients under test: the verdicts and reasons for clients that break
// the order of requests (C-1, C-2), exit wrongly, or do not tell the user.
#include "gday/harness/client_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gday/harness/loader.hpp"
#include "gday/wire/frame.hpp"

namespace {

namespace h = gday::harness;
namespace fs = std::filesystem;
namespace wire = gday::wire;
using gday::wire::profile;

const std::string client_bin = std::string(GDAY_BIN_DIR) + "/gday-reference-client";

h::scenario client_scenario(const std::string& client) {
  auto s = h::parse_scenario(R"({"id": "client/x", "summary": "s", "requirements": ["C-3"],
      "grade": "MUST", "client": )" +
                                 client + "}",
                             "inline.json");
  if (!s) throw std::runtime_error(s.error().what());
  return *s;
}

std::string reference(const std::string& role) {
  return client_bin + " --" + role +
         " --room {room} --port {port} --ca {ca} --timeout 2 --protocol {protocol}";
}

h::scenario_result run_creator(const std::string& client, const std::string& creator_cmd,
                               bool plain = false, profile p = profile::v1) {
  h::client_options options;
  options.creator_cmd = creator_cmd;
  options.plain = plain;
  options.profile = p;
  options.seed = 7;
  return h::run_client_scenario(client_scenario(client), options);
}

// A client written as a bash script talking plain TCP (bash's /dev/tcp): it
// writes each step's bytes, then reads the step's number of reply bytes;
// after the last step it reads until it is stopped at its deadline (so it
// never leaves unread replies behind: closing then would reset the
// connection, and the server could lose the last requests). Removed with the
// object.
class scripted_client {
 public:
  struct step {
    std::string write;
    std::size_t read = 0;
  };
  explicit scripted_client(const std::vector<step>& steps) {
    std::string pattern = (fs::temp_directory_path() / "gday-client-runner-test-XXXXXX");
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::ofstream script(dir_ / "client.sh");
    script << "exec 3<>/dev/tcp/127.0.0.1/$1\n";
    for (const auto& st : steps) {
      script << "printf '";
      for (const unsigned char c : st.write) {
        char octal[8];
        std::snprintf(octal, sizeof octal, "\\%03o", c);
        script << octal;
      }
      script << "' >&3\n";
      if (st.read > 0) script << "head -c " << st.read << " <&3 >/dev/null\n";
    }
    script << "cat <&3 >/dev/null\n";
  }
  ~scripted_client() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  scripted_client(const scripted_client&) = delete;
  scripted_client& operator=(const scripted_client&) = delete;

  std::string command() const { return "bash " + (dir_ / "client.sh").string() + " {port}"; }

 private:
  fs::path dir_;
};

// A scripted creator is judged on its order only: it waits until stopped.
const std::string waiting_creator =
    R"({"roles": ["creator"], "judged": ["creator"], "exit": "waiting", "within_ms": 300})";

template <class message>
std::string frame(const message& m) {
  auto f = wire::encode_frame(m, profile::v2);
  if (!f) throw std::runtime_error(f.error().what());
  return *f;
}

TEST(client_runner_test, a_creator_that_does_not_start_with_create_room_fails_c1) {
  scripted_client c({{frame(wire::record_public_addr{"abc", true})}});
  const auto r = run_creator(waiting_creator, c.command(), true, profile::v2);
  EXPECT_EQ(r.outcome, h::verdict::fail) << r.reason;
  EXPECT_EQ(r.reason,
            "the creator sent RecordPublicAddr before CreateRoom (C-1: CreateRoom first)");
}

TEST(client_runner_test, ready_to_share_before_the_record_is_answered_fails_c2) {
  const std::size_t room_created = frame(wire::server_msg{}).size();
  // The record and the ready in one write: the ready comes before ReceivedAddr.
  scripted_client c({{frame(wire::create_room{"abc"}), room_created},
                     {frame(wire::record_public_addr{"abc", true}) +
                      frame(wire::ready_to_share{{}, "abc", true})}});
  const auto r = run_creator(waiting_creator, c.command(), true, profile::v2);
  EXPECT_EQ(r.outcome, h::verdict::fail) << r.reason;
  EXPECT_EQ(r.reason,
            "the creator sent ReadyToShare before every RecordPublicAddr was answered (C-2)");
}

TEST(client_runner_test, a_client_failing_an_exchange_that_worked_fails_with_its_status) {
  const auto r = run_creator(
      R"({"roles": ["creator", "joiner"], "judged": ["creator"], "prints_peer_contact": true})",
      reference("creator") + "; exit 4");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_TRUE(r.reason.starts_with("the creator exited with status 4: ")) << r.reason;
}

TEST(client_runner_test, a_client_that_does_not_show_the_peer_contact_fails) {
  const auto r = run_creator(
      R"({"roles": ["creator", "joiner"], "judged": ["creator"], "prints_peer_contact": true})",
      reference("creator") + " >/dev/null 2>&1");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.reason, "the creator's output does not show the peer's contact: ");
}

TEST(client_runner_test, a_client_given_no_peer_contact_cannot_show_one) {
  // The server answers ReadyToShare with an error; the client exits 0 anyway.
  const auto r = run_creator(R"({"roles": ["creator"], "judged": ["creator"],
      "server": [{"on": "ReadyToShare", "reply": "ErrorPeerTimedOut"}],
      "prints_peer_contact": true})",
                             reference("creator") + "; exit 0");
  EXPECT_EQ(r.outcome, h::verdict::fail);
  EXPECT_EQ(r.reason, "the server sent the creator no PeerContact");
}

TEST(client_runner_test, a_client_that_does_not_say_what_went_wrong_is_non_strict) {
  const auto r = run_creator(R"({"roles": ["creator"], "judged": ["creator"],
      "server": [{"on": "CreateRoom", "reply": "ErrorRoomTaken"}], "exit": "failure",
      "says": ["taken", "exists"]})",
                             reference("creator") + " >/dev/null 2>&1");
  EXPECT_EQ(r.outcome, h::verdict::non_strict);
  EXPECT_EQ(r.reason,
            "the creator's output names none of: taken, exists (C-3: tell the user what went "
            "wrong)");
  EXPECT_EQ(r.matched_note, r.reason);
}

}  // namespace
