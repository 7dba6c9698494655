#include "liveness.hpp"

#include <stdexcept>

#include "gday/harness/loader.hpp"

namespace gday::harness::detail {
namespace {

scenario make(int creator_family, int joiner_family) {
  const std::string text = R"({
    "id": "liveness-probe",
    "summary": "After the scenario, fresh connections still complete a full exchange in a fresh room",
    "requirements": ["F-6"],
    "grade": "MUST",
    "rooms": ["room"],
    "connections": {"probe_creator": {"family": )" +
                           std::to_string(creator_family) + R"(},
                    "probe_joiner": {"family": )" +
                           std::to_string(joiner_family) + R"(}},
    "steps": [
      {"send": "probe_creator", "message": {"type": "CreateRoom", "room_code": "${room}"}},
      {"expect": "probe_creator", "reply": "RoomCreated"},
      {"send": "probe_creator", "message": {"type": "RecordPublicAddr", "room_code": "${room}", "is_creator": true}},
      {"expect": "probe_creator", "reply": "ReceivedAddr"},
      {"send": "probe_joiner", "message": {"type": "RecordPublicAddr", "room_code": "${room}", "is_creator": false}},
      {"expect": "probe_joiner", "reply": "ReceivedAddr"},
      {"send": "probe_creator", "message": {"type": "ReadyToShare", "room_code": "${room}", "is_creator": true}},
      {"expect": "probe_creator", "reply": {"type": "ClientContact", "capture": "creator"}},
      {"send": "probe_joiner", "message": {"type": "ReadyToShare", "room_code": "${room}", "is_creator": false}},
      {"expect": "probe_joiner", "replies": [{"type": "ClientContact", "capture": "joiner"},
                                             {"type": "PeerContact", "contact": "${creator}"}]},
      {"expect": "probe_creator", "reply": {"type": "PeerContact", "contact": "${joiner}"}}
    ]
  })";
  auto s = parse_scenario(text, "(liveness probe)", "liveness-probe");
  // A fixed text: failing to load it is a defect of the harness.
  if (!s) throw std::logic_error("the liveness probe does not load: " + s.error().what());
  return *s;
}

}  // namespace

const scenario& liveness_scenario(bool v4, bool v6) {
  static const scenario both = make(4, 6);
  static const scenario only_v4 = make(4, 4);
  static const scenario only_v6 = make(6, 6);
  if (v4 && v6) return both;
  return v4 ? only_v4 : only_v6;
}

}  // namespace gday::harness::detail
