// gday-reference-client: one side of a contact exchange (spec §8) through the
// reference client. Prints {"own": FULLCONTACT, "peer": FULLCONTACT} on success.
#include <signal.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gday/base/hex.hpp"
#include "gday/cli/program.hpp"
#include "gday/client/client.hpp"

namespace po = boost::program_options;
namespace client = gday::client;
namespace wire = gday::wire;

namespace {

constexpr int exit_failure = 1;
constexpr const char* program = "gday-reference-client";

struct usage_error {
  std::string message;
};

// One line for stderr: upstream's texts for contacts span two lines.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// A non-negative number of seconds ("5", "0.2") as milliseconds.
std::chrono::milliseconds parse_seconds(const std::string& flag, const std::string& text,
                                        bool allow_zero) {
  double seconds = 0;
  std::size_t used = 0;
  try {
    seconds = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(seconds) || seconds < 0 ||
      (!allow_zero && seconds == 0) || seconds > 1e7) {
    throw usage_error{"--" + flag + " takes a number of seconds" + (allow_zero ? "" : " above 0") +
                      ", not '" + text + "'"};
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

std::uint16_t parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) == 0 ||
      std::stoul(text) > 65535) {
    throw usage_error{"--port takes a number from 1 to 65535, not '" + text + "'"};
  }
  return static_cast<std::uint16_t>(std::stoul(text));
}

std::string parse_hex(const std::string& text) {
  auto bytes = gday::base::decode_hex(text);
  if (bytes) return std::move(*bytes);
  if (bytes.error() == gday::base::hex_error::odd_length) {
    throw usage_error{"--room-hex needs an even number of hex digits"};
  }
  throw usage_error{"--room-hex takes hexadecimal digits, not '" + text + "'"};
}

void require_ip(const std::string& flag, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec) {
    throw usage_error{"--" + flag + " takes an IPv4 or IPv6 address, not '" + host + "'"};
  }
}

// The wire encoding of a contact: {"v4": "a.b.c.d:p" | null, "v6": "[..]:p" | null}.
nlohmann::ordered_json to_json(const wire::contact& c) {
  nlohmann::ordered_json out;
  out["v4"] = c.v4 ? nlohmann::ordered_json(wire::to_string(*c.v4)) : nullptr;
  out["v6"] = c.v6 ? nlohmann::ordered_json(wire::to_string(*c.v6)) : nullptr;
  return out;
}

nlohmann::ordered_json to_json(const wire::full_contact& c) {
  nlohmann::ordered_json out;
  out["local"] = to_json(c.local);
  out["public"] = to_json(c.public_);
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  // The client library blocks SIGPIPE around its writes; ignore it here too,
  // so that a closed stdout is an error, not a silent death.
  signal(SIGPIPE, SIG_IGN);

  po::options_description opts(
      "Usage: gday-reference-client (--creator | --joiner) (--room TEXT | --room-hex HEX) "
      "[options]\n\nPerforms one side of a gday contact exchange and prints "
      "{\"own\": FULLCONTACT, \"peer\": FULLCONTACT}.\nExit status: 0 exchanged, 1 failed (the "
      "reason on stderr), 2 bad flags.\n\nOptions");
  std::vector<std::string> fault_names;
  std::string room_text, room_hex, server = "127.0.0.1", server_v6 = "::1", port_text = "2311",
                                   ca_file, sni, protocol = "1", local_v4, local_v6,
                                   timeout_text = "5", peer_timeout_text = "600", wait_text = "0";
  opts.add_options()("help,h", "show this help")("version", "print the version and exit")(
      "creator", "create the room (CreateRoom first)")("joiner",
                                                       "join a room someone else creates")(
      "room", po::value(&room_text),
      "room code as a user types it (v1: its SHA-256, as upstream clients do; v2/v3: as is)")(
      "room-hex", po::value(&room_hex), "room code as hex bytes (v1: exactly 32 bytes)")(
      "server", po::value(&server), "server IPv4 (or IPv6) address (default 127.0.0.1)")(
      "server-v6", po::value(&server_v6),
      "server address for the second, IPv6 connection (default ::1); if it fails, the exchange "
      "goes on over IPv4 only")("no-v6", "use one connection only (no IPv6 connection)")(
      "port", po::value(&port_text), "server port (default 2311)")(
      "ca", po::value(&ca_file), "PEM file of the CA that signed the server's certificate")(
      "insecure", "accept any server certificate")("plain", "plain TCP instead of TLS")(
      "sni", po::value(&sni),
      "name to send as SNI and check in the certificate (default: the address)")(
      "protocol", po::value(&protocol), "protocol profile 1, 2 or 3 (default 1)")(
      "local-v4", po::value(&local_v4),
      "local IPv4 contact to share, e.g. 10.0.0.1:5000 "
      "(default: none)")("local-v6", po::value(&local_v6),
                         "local IPv6 contact to share, e.g. [fd00::1]:5000 "
                         "(default: none)")(
      "timeout", po::value(&timeout_text),
      "seconds to wait for each reply, and to connect (default 5)")(
      "peer-timeout", po::value(&peer_timeout_text),
      "seconds to wait for the peer's contact after ReadyToShare (default 600)")(
      "wait-for-room", po::value(&wait_text),
      "joiner: while the room does not exist yet, ask again every 200 ms for up to this many "
      "seconds (default 0: no retry; each retry counts toward the server's request limit)")(
      "fault", po::value(&fault_names)->composing(),
      "behave wrongly on purpose (repeatable; see --list-faults): for proving a client test "
      "suite")("list-faults", "list the fault names and exit");

  po::variables_map vm;
  client::exchange_options ex;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
    po::notify(vm);
    if (vm.count("version")) {
      std::cout << gday::cli::version_line(program) << "\n";
      return 0;
    }
    if (vm.count("help")) {
      std::cout << opts << "\n";
      return 0;
    }
    if (vm.count("list-faults")) {
      for (auto f : client::all_faults()) {
        std::printf("%-26s %s: %s\n", std::string(client::name(f)).c_str(),
                    std::string(client::rule_of(f)).c_str(),
                    std::string(client::description(f)).c_str());
      }
      return 0;
    }
    for (const auto& f : fault_names) {
      auto parsed = client::parse_fault(f);
      if (!parsed) throw usage_error{"unknown fault '" + f + "' (see --list-faults)"};
      ex.faults.push_back(*parsed);
    }
    auto has = [&](client::fault f) {
      return std::find(ex.faults.begin(), ex.faults.end(), f) != ex.faults.end();
    };
    if (vm.count("creator") == vm.count("joiner")) {
      throw usage_error{"give exactly one of --creator and --joiner"};
    }
    if (vm.count("room") == vm.count("room-hex")) {
      throw usage_error{"give exactly one of --room and --room-hex"};
    }
    const auto profile = wire::parse_profile(protocol);
    if (!profile) throw usage_error{"--protocol takes 1, 2 or 3, not '" + protocol + "'"};
    if (vm.count("ca") && vm.count("insecure")) {
      throw usage_error{"--ca and --insecure exclude each other"};
    }
    if (vm.count("plain") && (vm.count("ca") || vm.count("insecure") || vm.count("sni"))) {
      throw usage_error{"--plain excludes --ca, --insecure and --sni"};
    }
    if (vm.count("no-v6") && vm.count("server-v6")) {
      throw usage_error{"--no-v6 and --server-v6 exclude each other"};
    }
    require_ip("server", server);
    if (!vm.count("no-v6")) require_ip("server-v6", server_v6);

    ex.is_creator = vm.count("creator") > 0;
    if (vm.count("room")) {
      // wrong-room-hash: the text as read from a line, newline included.
      ex.room_code = client::room_code_from_text(
          has(client::fault::wrong_room_hash) ? room_text + "\n" : room_text, *profile);
    } else {
      ex.room_code = parse_hex(room_hex);
      if (*profile == wire::profile::v1 && ex.room_code.size() != 32) {
        throw usage_error{"--room-hex needs exactly 32 bytes (64 hex digits) for protocol 1"};
      }
    }
    if (vm.count("local-v4")) {
      ex.local_contact.v4 = wire::parse_socket_addr_v4(local_v4);
      if (!ex.local_contact.v4) {
        throw usage_error{"--local-v4 takes an address like 10.0.0.1:5000, not '" + local_v4 + "'"};
      }
    }
    if (vm.count("local-v6")) {
      ex.local_contact.v6 = wire::parse_socket_addr_v6(local_v6);
      if (!ex.local_contact.v6) {
        throw usage_error{"--local-v6 takes an address like [fd00::1]:5000, not '" + local_v6 +
                          "'"};
      }
    }
    ex.reply_timeout = parse_seconds("timeout", timeout_text, false);
    ex.peer_timeout = parse_seconds("peer-timeout", peer_timeout_text, false);
    ex.wait_for_room = parse_seconds("wait-for-room", wait_text, true);
    if (ex.wait_for_room.count() > 0 && ex.is_creator) {
      throw usage_error{"--wait-for-room is for the joiner"};
    }

    client::connect_options base;
    base.port = parse_port(port_text);
    base.tls = !vm.count("plain");
    base.tls_options.ca_file = ca_file;
    base.tls_options.insecure = vm.count("insecure") > 0;
    base.server_name = sni;
    base.timeout = ex.reply_timeout;
    base.profile = *profile;
    ex.v4 = base;
    ex.v4.host = server;
    if (!vm.count("no-v6")) {
      ex.v6 = base;
      ex.v6->host = server_v6;
      ex.v6_optional = true;
    }
  } catch (const po::error& e) {
    return gday::cli::usage_error(program, e.what());
  } catch (const usage_error& e) {
    return gday::cli::usage_error(program, e.message);
  }

  ex.notice = [](const std::string& sentence) {
    std::cerr << program << ": " << one_line(sentence) << "\n";
  };
  if (!ex.faults.empty()) {
    std::string names;
    for (auto f : ex.faults) {
      if (!names.empty()) names += ", ";
      names += client::name(f);
    }
    std::cerr << program << ": FAULTS INJECTED: " << names << "\n";
  }
  auto result = client::exchange(ex);
  if (!result) {
    std::cerr << program << ": " << one_line(result.error().what()) << "\n";
    const bool exits_zero = std::find(ex.faults.begin(), ex.faults.end(),
                                      client::fault::exits_zero_on_error) != ex.faults.end();
    return exits_zero ? 0 : exit_failure;
  }
  nlohmann::ordered_json out;
  out["own"] = to_json(result->own);
  out["peer"] = to_json(result->peer);
  std::cout << out.dump() << std::endl;
  if (!std::cout) {
    std::cerr << program << ": cannot write to stdout\n";
    return exit_failure;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << program << ": " << e.what() << "\n";
  return exit_failure;
}
