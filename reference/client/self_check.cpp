#include "gday/client/self_check.hpp"

#include <optional>

#include "gday/client/client.hpp"

namespace gday::client {

std::string describe_endpoints(const server::server& s) {
  std::string out;
  for (const auto& ep : s.endpoints()) {
    if (!out.empty()) out += ' ';
    out += ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    out += ":" + std::to_string(ep.port());
  }
  return out;
}

self_check_outcome self_check(wire::profile profile, const self_check_callbacks& callbacks) {
  self_check_outcome outcome;
  auto note = [&](const std::string& text) {
    if (callbacks.note) callbacks.note(text);
  };
  auto check = [&](bool ok, const std::string& what, const std::string& detail = {}) {
    if (callbacks.on_step) callbacks.on_step(self_check_step{what, ok, detail});
    outcome.failed += ok ? 0 : 1;
    return ok;
  };
  note("protocol " + std::string(wire::to_string(profile)) +
       ", TLS with a generated P-256 certificate");
  auto pki = net::generate_test_pki();
  if (!pki) return check(false, "certificate", pki.error().what()), outcome;
  auto tls = net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
  if (!tls) return check(false, "TLS context", tls.error().what()), outcome;
  server::config cfg;
  cfg.core.profile = profile;
  cfg.tls = *tls;
  server::server server(cfg);
  if (auto started = server.start(); !started) {
    return check(false, "start", started.error().what()), outcome;
  }
  note("listening on " + describe_endpoints(server));
  auto connect = [&](bool v6) {
    connect_options o;
    o.host = v6 ? "::1" : "127.0.0.1";
    o.port = server.port(v6);
    o.profile = profile;
    o.tls_options.ca_pem = pki->ca_cert_pem;
    return connection::open(o);
  };
  auto c4 = connect(false), c6 = connect(true), j4 = connect(false);
  if (!check(c4 && j4, "TLS connections over IPv4 verify the certificate",
             c4 ? (j4 ? "" : j4.error().what()) : c4.error().what())) {
    return outcome;
  }
  const bool have_v6 = c6.has_value();
  check(true, have_v6 ? "TLS connection over IPv6" : "IPv6 unavailable here, skipped");
  const auto timeout = std::chrono::seconds(5);
  auto ask = [&](connection& c, const wire::client_msg& m, wire::server_msg_type want,
                 const std::string& what) -> std::optional<wire::server_msg> {
    auto sent = c.send(m);
    if (!sent) return check(false, what, sent.error().what()), std::nullopt;
    auto reply = c.receive(timeout);
    if (!reply) return check(false, what, reply.error().what()), std::nullopt;
    if (!check(reply->type == want, what, std::string(wire::variant_name(reply->type)))) {
      return std::nullopt;
    }
    return *reply;
  };
  const std::string code = room_code_from_text("self-check room", profile);
  wire::contact creator_local, joiner_local;
  creator_local.v4 = wire::parse_socket_addr_v4("10.0.0.1:1111");
  joiner_local.v6 = wire::parse_socket_addr_v6("[fd00::2]:2222");
  using t = wire::server_msg_type;
  ask(*c4, wire::create_room{code}, t::room_created, "CreateRoom -> RoomCreated (M-1)");
  ask(*c4, wire::create_room{code}, t::error_room_taken,
      "CreateRoom again -> ErrorRoomTaken (M-1)");
  ask(*c4, wire::record_public_addr{code, true}, t::received_addr, "RecordPublicAddr v4 (M-2)");
  if (have_v6) {
    ask(*c6, wire::record_public_addr{code, true}, t::received_addr, "RecordPublicAddr v6 (M-2)");
  }
  ask(*j4, wire::record_public_addr{code, false}, t::received_addr, "joiner RecordPublicAddr");
  auto own = ask(*c4, wire::ready_to_share{creator_local, code, true}, t::client_contact,
                 "creator ReadyToShare -> ClientContact (M-3)");
  if (own) {
    const auto expect4 = server::to_core_endpoint(c4->local_endpoint());
    check(own->contact.public_.v4 == std::get<wire::socket_addr_v4>(expect4) &&
              own->contact.local == creator_local,
          "ClientContact holds the recorded public and the sent local contact",
          wire::describe(own->contact));
    if (have_v6) {
      const auto expect6 = server::to_core_endpoint(c6->local_endpoint());
      check(own->contact.public_.v6 == std::get<wire::socket_addr_v6>(expect6),
            "ClientContact.public.v6 is the IPv6 connection's address");
    }
  }
  auto joiner = ask(*j4, wire::ready_to_share{joiner_local, code, false}, t::client_contact,
                    "joiner ReadyToShare -> ClientContact");
  auto joiner_peer = j4->receive(timeout);
  auto creator_peer = c4->receive(timeout);
  if (check(joiner_peer && creator_peer, "both sides get PeerContact (M-4)")) {
    check(own && joiner_peer->type == t::peer_contact && joiner_peer->contact == own->contact,
          "the joiner's PeerContact is the creator's contact");
    check(
        joiner && creator_peer->type == t::peer_contact && creator_peer->contact == joiner->contact,
        "the creator's PeerContact is the joiner's contact");
  }
  ask(*j4, wire::record_public_addr{code, false}, t::error_no_such_room_code,
      "the room is gone after the exchange (L-1)");
  ask(*c4, wire::create_room{code}, t::room_created, "its code is free again (L-1)");
  auto g = connect(false);
  const auto garbage = wire::encode_frame(std::string_view("{}"), profile);
  if (g && g->send_raw(*garbage, timeout)) {
    auto reply = g->receive(timeout);
    check(reply && reply->type == t::error_syntax, "a malformed request gets ErrorSyntax (F-3)");
    auto after = g->receive(timeout);
    check(!after && net::is_orderly_close(after.error().code),
          "then the server closes the connection");
  }
  server.stop();
  outcome.completed = true;
  return outcome;
}

}  // namespace gday::client
