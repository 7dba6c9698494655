#include "gday/harness/client_runner.hpp"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "gday/base/process.hpp"
#include "gday/base/shell.hpp"
#include "gday/client/client.hpp"
#include "gday/net/tls.hpp"
#include "gday/server/server.hpp"
#include "gday/wire/codec.hpp"

namespace gday::harness {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// ---- the recording --------------------------------------------------------------

/// Whole frames out of the bytes sent (or received) on each connection,
/// however they were split into writes (scripted bytewise replies, a client's
/// own writes): one incremental decoder per connection. After a bad header a
/// connection yields nothing more.
class frame_splitter {
 public:
  explicit frame_splitter(wire::profile p) : profile_(p) {}
  std::vector<std::string> add(std::uint64_t conn, std::string_view bytes) {
    using state = wire::frame_decoder::state;
    auto& d = decoders_.try_emplace(conn, profile_).first->second;
    std::vector<std::string> bodies;
    while (!bytes.empty() && d.status() != state::failed) {
      bytes.remove_prefix(d.feed(bytes));
      if (d.status() == state::frame_ready) bodies.push_back(d.take_body());
    }
    return bodies;
  }

 private:
  wire::profile profile_;
  std::map<std::uint64_t, wire::frame_decoder> decoders_;
};

/// What the scripted server saw and did, in the core's order.
class recorder {
 public:
  explicit recorder(wire::profile p) : profile_(p) {}
  void add(const core::trace_event& e) {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
    if (e.what == core::trace_event::kind::sent && !room_created_) {
      for (const auto& body : frames_.add(e.conn, e.bytes)) {
        auto m = wire::decode_server_msg(body, profile_);
        if (m && m->type == wire::server_msg_type::room_created) room_created_ = true;
      }
    }
    changed_.notify_all();
  }
  /// Waits until the server answered a CreateRoom with RoomCreated.
  bool wait_room_created(clock_type::time_point until) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, until, [&] { return room_created_; });
  }
  std::vector<core::trace_event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<core::trace_event> events_;
  wire::profile profile_;
  frame_splitter frames_{profile_};
  bool room_created_ = false;
};

// ---- processes --------------------------------------------------------------------

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// One client under test, in its own process group.
struct client_process {
  std::string role;
  std::string command;
  bp::child child;
  fs::path out_file, err_file;
  bool hung = false;
  int status = -1;
  int signal = 0;  ///< the signal that ended it, when one did (a crash)
  std::string start_error;
  milliseconds took{0};

  void start(const std::string& cmd, const fs::path& dir, const fs::path& stdin_file) {
    command = cmd;
    out_file = dir / (role + ".stdout");
    err_file = dir / (role + ".stderr");
    std::error_code ec;
    const pid_t parent = ::getpid();
    child = bp::child(
        bp::search_path("sh"), "-c", cmd, bp::std_out > out_file.string(),
        bp::std_err > err_file.string(), bp::std_in < stdin_file.string(),
        bp::extend::on_exec_setup =
            [parent](auto&) {
              ::setpgid(0, 0);              // its own group: its children die with it
              base::close_on_exec_from(3);  // no other run's sockets
              ::prctl(PR_SET_PDEATHSIG, SIGKILL);
              if (::getppid() != parent) ::_exit(127);
            },
        ec);
    if (ec) start_error = ec.message();
  }

  /// Waits until `until`; past it, kills the whole group.
  void finish(clock_type::time_point until, clock_type::time_point started) {
    if (!start_error.empty()) return;
    std::error_code ec;
    if (!base::wait_for_exit(child.id(), until) && child.running(ec)) {
      hung = true;
      ::kill(-child.id(), SIGKILL);
      ::kill(child.id(), SIGKILL);
    }
    child.wait(ec);
    took = std::chrono::duration_cast<milliseconds>(clock_type::now() - started);
    status = child.exit_code();
    // A client that dies of a signal did not report anything: a crash.
    const int native = child.native_exit_code();
    if (!hung && WIFSIGNALED(native)) signal = WTERMSIG(native);
    // Whatever the client left running in its group goes too.
    ::kill(-child.id(), SIGKILL);
  }

  std::string output() const { return read_all(out_file) + read_all(err_file); }
};

// ---- judging ------------------------------------------------------------------------

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string tail(const std::string& text, std::size_t n = 400) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

/// One request or reply on a connection, in the core's order.
struct item {
  std::uint64_t conn = 0;
  bool from_client = false;
  std::string type;  ///< variant name; "" when it did not decode
  std::optional<bool> is_creator;
  std::string room_code;
  std::optional<wire::full_contact> contact;
};

/// Requests in the order they arrived (not the order the server processed
/// them: a connection waiting after ReadyToShare or stalled reads nothing, but
/// what its client sent meanwhile counts), replies in the order they were sent.
std::vector<item> items_of(const std::vector<core::trace_event>& events, wire::profile p) {
  std::vector<item> out;
  frame_splitter frames(p), requests(p);
  for (const auto& e : events) {
    if (e.what == core::trace_event::kind::received) {
      for (const auto& body : requests.add(e.conn, e.bytes)) {
        item it{e.conn, true, "", std::nullopt, "", std::nullopt};
        if (auto m = wire::decode_client_msg(body, p)) {
          it.type = std::string(wire::variant_name(*m));
          std::visit(
              [&](const auto& r) {
                it.room_code = r.room_code;
                if constexpr (requires { r.is_creator; }) it.is_creator = r.is_creator;
              },
              *m);
        }
        out.push_back(std::move(it));
      }
    } else if (e.what == core::trace_event::kind::sent) {
      for (const auto& body : frames.add(e.conn, e.bytes)) {
        item it{e.conn, false, "", std::nullopt, "", std::nullopt};
        if (auto m = wire::decode_server_msg(body, p)) {
          it.type = std::string(wire::variant_name(m->type));
          if (wire::carries_contact(m->type)) it.contact = m->contact;
        }
        out.push_back(std::move(it));
      }
    }
  }
  return out;
}

/// The role of each connection, from what it sent.
std::map<std::uint64_t, std::string> roles_of(const std::vector<item>& items) {
  std::map<std::uint64_t, std::string> out;
  for (const auto& it : items) {
    if (!it.from_client || out.count(it.conn)) continue;
    if (it.type == "CreateRoom") out[it.conn] = "creator";
    if (it.is_creator) out[it.conn] = *it.is_creator ? "creator" : "joiner";
  }
  return out;
}

bool is_error(const std::string& type) { return type.rfind("Error", 0) == 0; }

/// C-1 and C-2 for `role`: the first violation, or "".
std::string order_violation(const std::vector<item>& items,
                            const std::map<std::uint64_t, std::string>& roles,
                            const std::string& role) {
  auto mine = [&](const item& it) {
    auto r = roles.find(it.conn);
    return r != roles.end() && r->second == role;
  };
  bool created = false, create_sent = false;
  std::map<std::uint64_t, int> unanswered;  // requests per connection without a reply yet
  std::map<std::uint64_t, bool> waiting;    // after ReadyToShare, before PeerContact/error
  std::map<std::uint64_t, bool> recorded;   // sent RecordPublicAddr
  int records_open = 0, readies = 0;
  for (const auto& it : items) {
    if (!mine(it)) continue;
    if (!it.from_client) {
      if (unanswered[it.conn] > 0 && it.type != "PeerContact") {
        --unanswered[it.conn];
        if (it.type == "ReceivedAddr" || is_error(it.type))
          records_open = std::max(0, records_open - 1);
      }
      if (it.type == "RoomCreated") created = true;
      if (it.type == "PeerContact" || is_error(it.type)) waiting[it.conn] = false;
      continue;
    }
    if (waiting[it.conn]) {
      return "sent " + (it.type.empty() ? std::string("a frame") : it.type) +
             " on a connection waiting after ReadyToShare (C-2: nothing until PeerContact or "
             "an error)";
    }
    if (role == "creator") {
      if (!create_sent && it.type != "CreateRoom") {
        return "sent " + it.type + " before CreateRoom (C-1: CreateRoom first)";
      }
      if (create_sent && !created) {
        return "sent " + (it.type.empty() ? std::string("a frame") : it.type) +
               " before RoomCreated arrived (C-1: wait for RoomCreated)";
      }
      create_sent = true;
    }
    if (it.type == "RecordPublicAddr") {
      ++records_open;
      recorded[it.conn] = true;
    }
    if (it.type == "ReadyToShare") {
      if (records_open > 0) {
        return "sent ReadyToShare before every RecordPublicAddr was answered (C-2)";
      }
      if (!recorded[it.conn]) {
        return "sent ReadyToShare on a connection that sent no RecordPublicAddr (C-2: "
               "ReadyToShare on one of the connections it recorded)";
      }
      if (++readies > 1) return "sent ReadyToShare twice (C-2: exactly one)";
      waiting[it.conn] = true;
    }
    ++unanswered[it.conn];
  }
  return {};
}

}  // namespace

scenario_result run_client_scenario(const scenario& s, const client_options& options) {
  scenario_result r;
  r.id = s.id;
  r.summary = s.summary;
  r.requirements = s.requirements;
  r.level = s.level;
  r.profile = options.profile;
  const auto started = clock_type::now();
  auto finish = [&](verdict v, std::string reason) {
    r.outcome = v;
    r.reason = std::move(reason);
    r.duration = std::chrono::duration_cast<milliseconds>(clock_type::now() - started);
    return r;
  };
  if (!s.client) return finish(verdict::error, "not a client scenario");
  const client_spec& spec = *s.client;
  auto command_of = [&](const std::string& role) {
    return role == "creator" ? options.creator_cmd : options.joiner_cmd;
  };
  // Judged roles without a command are played by the reference client, and
  // not judged; a scenario with no judged role under test does not apply.
  std::vector<std::string> judged;
  for (const auto& role : spec.judged) {
    if (command_of(role)) judged.push_back(role);
  }
  if (judged.empty()) {
    return finish(verdict::skip, "judges the " + spec.judged.front() + ": run with --" +
                                     spec.judged.front() + "-cmd");
  }

  // The server, scripted.
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec) / ("gday-client-" + std::to_string(::getpid()) +
                                                      "-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir, ec);
  if (ec) return finish(verdict::error, "cannot create a folder for the run: " + ec.message());
  struct cleanup {
    fs::path d;
    ~cleanup() {
      std::error_code ignored;
      fs::remove_all(d, ignored);
    }
  } remove_dir{dir};
  const fs::path ca_file = dir / "ca.pem";
  const fs::path stdin_file = dir / "stdin";
  auto recording = std::make_shared<recorder>(options.profile);
  server::config cfg;
  cfg.core.profile = options.profile;
  cfg.core.request_limit = 100000;
  cfg.core.script = spec.server;
  cfg.core.trace = [recording](const core::trace_event& e) { recording->add(e); };
  std::string ca_pem;
  if (!options.plain) {
    auto pki = net::generate_test_pki();
    if (!pki) return finish(verdict::error, "cannot make certificates: " + pki.error().message);
    ca_pem = pki->ca_cert_pem;
    auto ctx = net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
    if (!ctx) return finish(verdict::error, "TLS: " + ctx.error().message);
    cfg.tls = *ctx;
  }
  if (auto w = net::write_file(ca_file.string(), ca_pem); !w) {
    return finish(verdict::error, "cannot write " + ca_file.string());
  }
  if (auto w = net::write_file(stdin_file.string(), options.stdin_text); !w) {
    return finish(verdict::error, "cannot write " + stdin_file.string());
  }
  server::server srv(cfg);
  if (auto up = srv.start(); !up) {
    return finish(verdict::error, "cannot start the scripted server: " + up.error().message);
  }
  const std::uint16_t port = srv.port(false);

  // A fresh room text per run: letters and digits.
  std::mt19937_64 rng(options.seed ? options.seed ^ std::hash<std::string>{}(s.id)
                                   : std::random_device{}());
  std::string room;
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int i = 0; i < 12; ++i) room += alphabet[rng() % alphabet.size()];

  const milliseconds within = options.timeout.value_or(spec.within);
  const auto scaled = milliseconds(
      static_cast<long long>(static_cast<double>(within.count()) * options.timeout_scale));
  const auto deadline = clock_type::now() + scaled;

  // The clients: creator first; a joiner under test starts once the room exists.
  std::vector<std::unique_ptr<client_process>> processes;
  std::vector<std::thread> reference_clients;
  for (const auto& role : spec.roles) {
    if (role == "joiner" && std::count(spec.roles.begin(), spec.roles.end(), "creator") &&
        command_of("joiner")) {
      recording->wait_room_created(deadline);
    }
    if (auto cmd = command_of(role)) {
      auto p = std::make_unique<client_process>();
      p->role = role;
      const std::string c = base::expand_placeholders(
          *cmd, {{"host", "127.0.0.1"},
                 {"port", std::to_string(port)},
                 {"ca", ca_file.string()},
                 {"room", room},
                 {"role", role},
                 {"protocol", std::to_string(wire::version_byte(options.profile))}});
      p->start(c, dir, stdin_file);
      processes.push_back(std::move(p));
    } else {
      // Not under test: the reference client plays this side.
      reference_clients.emplace_back([&, role] {
        client::exchange_options x;
        x.v4.port = port;
        x.v4.tls = !options.plain;
        x.v4.tls_options.ca_pem = ca_pem;
        x.v4.server_name = "localhost";
        x.v4.profile = options.profile;
        x.room_code = client::room_code_from_text(room, options.profile);
        x.is_creator = role == "creator";
        x.reply_timeout = scaled;
        x.peer_timeout = scaled;
        if (!x.is_creator) x.wait_for_room = scaled;
        (void)client::exchange(x);
      });
    }
  }
  for (auto& p : processes) p->finish(deadline, started);
  srv.stop();  // ends the reference clients' waits
  for (auto& t : reference_clients) t.join();

  // The transcript: what the server saw and did, then each client's end.
  const auto events = recording->events();
  const auto items = items_of(events, options.profile);
  const auto roles = roles_of(items);
  auto conn_name = [&](std::uint64_t id) {
    auto it = roles.find(id);
    return (it == roles.end() ? std::string("conn") : it->second) + "#" + std::to_string(id);
  };
  const auto origin = events.empty() ? core::clock_time{} : events.front().at;
  frame_splitter arriving(options.profile);
  for (const auto& e : events) {
    if (e.what == core::trace_event::kind::frame) continue;  // shown when it arrived
    transcript_entry t;
    t.at_ms = std::chrono::duration<double, std::milli>(e.at - origin).count();
    t.conn = conn_name(e.conn);
    switch (e.what) {
      case core::trace_event::kind::opened:
        t.text = "connected from " + e.bytes;
        break;
      case core::trace_event::kind::received:
        // The bytes as they arrived, and the requests they complete.
        t.what = transcript_entry::kind::received;
        t.bytes = e.bytes;
        for (const auto& body : arriving.add(e.conn, e.bytes)) {
          auto m = wire::decode_client_msg(body, options.profile);
          t.decoded +=
              (t.decoded.empty() ? "" : " + ") +
              (m ? std::string(wire::variant_name(*m)) : "not a request: " + m.error().what());
        }
        if (t.decoded.empty()) t.decoded = "(no whole frame)";
        break;
      case core::trace_event::kind::frame:
        break;
      case core::trace_event::kind::sent:
        t.what = transcript_entry::kind::sent;
        t.bytes = e.bytes;
        break;
      case core::trace_event::kind::closed:
        t.text = e.reset ? "server reset the connection" : "server closed the connection";
        break;
      case core::trace_event::kind::gone:
        t.text = "client ended the connection (" + e.bytes + ")";
        break;
    }
    r.transcript.push_back(std::move(t));
  }
  for (const auto& p : processes) {
    transcript_entry t;
    t.conn = p->role;
    std::string output = tail(p->output(), 2000);
    std::replace(output.begin(), output.end(), '\n', ' ');
    std::string end = "exited with status " + std::to_string(p->status);
    if (p->hung) {
      end = spec.exit == client_exit::waiting ? "still waiting at its deadline (allowed), stopped"
                                              : "killed at its deadline";
    }
    if (p->signal != 0) end = "killed by signal " + std::to_string(p->signal);
    if (!p->start_error.empty()) end = "could not start: " + p->start_error;
    t.text = end + " after " + std::to_string(p->took.count()) + " ms: " + p->command +
             (output.empty() ? std::string("; no output") : "; output: " + output);
    r.transcript.push_back(std::move(t));
  }

  // Judging, worst first: a hang or a MUST broken fails; SHOULD/MAY lower.
  auto is_judged = [&](const std::string& role) {
    return std::find(judged.begin(), judged.end(), role) != judged.end();
  };
  for (const auto& p : processes) {
    if (!is_judged(p->role)) continue;
    if (!p->start_error.empty()) {
      return finish(verdict::error, "the " + p->role + " could not start: " + p->start_error);
    }
    if (p->signal != 0) {
      return finish(verdict::fail, "the " + p->role + " was killed by signal " +
                                       std::to_string(p->signal) + " (" + ::strsignal(p->signal) +
                                       "): it crashed instead of reporting the problem (C-3)");
    }
    if (p->hung && spec.exit != client_exit::waiting) {
      return finish(verdict::fail, "the " + p->role + " did not end within " +
                                       std::to_string(scaled.count()) +
                                       " ms and was killed (C-3: a client never hangs)");
    }
  }
  std::vector<std::string> lowered;
  // A client that never got as far as the scripted misbehaviour was not
  // tested by it: it failed earlier (C-2), whatever its exit status.
  for (const auto& rule : spec.server) {
    if (rule.on == "*") continue;
    const auto sent =
        static_cast<unsigned>(std::count_if(items.begin(), items.end(), [&](const item& it) {
          return it.from_client && it.type == rule.on;
        }));
    if (sent < std::max(rule.nth, 1u)) {
      return finish(verdict::fail,
                    "the client never sent " + rule.on +
                        (rule.nth > 1 ? " " + std::to_string(rule.nth) + " times" : "") +
                        ", which this scenario answers otherwise: it stopped earlier (C-2)");
    }
  }
  for (const auto& role : judged) {
    const bool sent_any = std::any_of(items.begin(), items.end(), [&](const item& it) {
      auto found = roles.find(it.conn);
      return it.from_client && found != roles.end() && found->second == role;
    });
    if (!sent_any) {
      return finish(verdict::fail, "the " + role + " never sent a request the server could read");
    }
  }
  for (const auto& p : processes) {
    if (!is_judged(p->role)) continue;
    if (spec.order) {
      if (auto v = order_violation(items, roles, p->role); !v.empty()) {
        return finish(verdict::fail, "the " + p->role + " " + v);
      }
    }
    const std::string output = p->output();
    if (spec.exit == client_exit::success) {
      if (p->status != 0) {
        return finish(verdict::fail, "the " + p->role + " exited with status " +
                                         std::to_string(p->status) + ": " + tail(output));
      }
      if (spec.prints_peer_contact) {
        // The PeerContact the server sent this side: one of its addresses must show.
        bool shown = false, sent = false;
        for (const auto& it : items) {
          auto role = roles.find(it.conn);
          if (it.from_client || it.type != "PeerContact" || !it.contact) continue;
          if (role == roles.end() || role->second != p->role) continue;
          sent = true;
          const auto& c = *it.contact;
          for (const auto& text : {c.public_.v4 ? wire::to_string(*c.public_.v4) : std::string(),
                                   c.public_.v6 ? wire::to_string(*c.public_.v6) : std::string(),
                                   c.local.v4 ? wire::to_string(*c.local.v4) : std::string(),
                                   c.local.v6 ? wire::to_string(*c.local.v6) : std::string()}) {
            if (!text.empty() && output.find(text) != std::string::npos) shown = true;
          }
        }
        if (!sent)
          return finish(verdict::fail, "the server sent the " + p->role + " no PeerContact");
        if (!shown) {
          return finish(
              verdict::fail,
              "the " + p->role + "'s output does not show the peer's contact: " + tail(output));
        }
      }
    } else if (spec.exit == client_exit::failure) {
      if (p->status == 0) {
        lowered.push_back("the " + p->role +
                          " exited with status 0 after the failure (C-3: SHOULD exit non-zero)");
      }
      if (!spec.says.empty()) {
        const std::string low = lower(output);
        const bool named = std::any_of(spec.says.begin(), spec.says.end(), [&](const auto& w) {
          return low.find(lower(w)) != std::string::npos;
        });
        if (!named) {
          std::string words;
          for (const auto& w : spec.says) words += (words.empty() ? "" : ", ") + w;
          lowered.push_back("the " + p->role + "'s output names none of: " + words +
                            " (C-3: tell the user what went wrong)");
        }
      }
    }
    if (spec.room_hash && options.profile == wire::profile::v1) {
      const std::string want = client::room_code_from_text(room, options.profile);
      for (const auto& it : items) {
        auto role = roles.find(it.conn);
        if (!it.from_client || it.room_code.empty() || role == roles.end() ||
            role->second != p->role || it.room_code == want) {
          continue;
        }
        lowered.push_back("the " + p->role + "'s room_code is not SHA-256 of '" + room +
                          "' (C-4, upstream's convention)");
        break;
      }
    }
  }
  if (!lowered.empty()) {
    std::string reason;
    for (const auto& l : lowered) reason += (reason.empty() ? "" : "; ") + l;
    r.matched_note = reason;
    return finish(verdict::non_strict, reason);
  }
  return finish(verdict::pass, "");
}

}  // namespace gday::harness
