// The in-memory transport: ordering, readiness waits, the ways an end can
// stop (half-close, close, reset) and the faults it injects.
#include "gday/net/memory.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace net = gday::net;
using net::io_status;

struct pipe {
  boost::asio::io_context io;
  std::unique_ptr<net::memory_transport> a, b;
  pipe() {
    std::tie(a, b) = net::memory_transport::make_pair(io.get_executor(), io.get_executor());
  }
};

std::string read_all_now(net::memory_transport& t) {
  std::string out;
  char buffer[64];
  while (true) {
    const auto r = t.read_some(buffer);
    if (r.status != io_status::done) return out;
    out.append(buffer, r.bytes);
  }
}

std::error_code aborted() {
  return boost::system::error_code(boost::asio::error::operation_aborted);
}

TEST(memory_transport_test, bytes_arrive_in_order_and_an_empty_pipe_would_block) {
  pipe p;
  char buffer[8];
  EXPECT_EQ(p.b->read_some(buffer).status, io_status::would_block);
  EXPECT_EQ(p.a->write_some(std::string_view("hello ")).bytes, 6u);
  EXPECT_EQ(p.a->write_some(std::string_view("world")).bytes, 5u);
  EXPECT_EQ(read_all_now(*p.b), "hello world");
  EXPECT_EQ(p.b->read_some(buffer).status, io_status::would_block);
  EXPECT_EQ(p.a->read_some(buffer).status, io_status::would_block) << "nothing came back";
}

TEST(memory_transport_test, a_read_wait_completes_when_bytes_arrive_and_cancel_aborts_it) {
  pipe p;
  std::optional<std::error_code> woke;
  p.b->async_wait(net::wait_type::read, [&](std::error_code ec) { woke = ec; });
  p.io.run_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(woke) << "nothing to read yet";
  (void)p.a->write_some(std::string_view("x"));
  p.io.restart();
  p.io.run_for(std::chrono::seconds(1));
  ASSERT_TRUE(woke);
  EXPECT_FALSE(*woke);

  woke.reset();
  read_all_now(*p.b);
  p.b->async_wait(net::wait_type::read, [&](std::error_code ec) { woke = ec; });
  p.b->cancel();
  p.io.restart();
  p.io.run_for(std::chrono::seconds(1));
  ASSERT_TRUE(woke);
  EXPECT_EQ(*woke, aborted());
  (void)p.a->write_some(std::string_view("y"));
  EXPECT_EQ(read_all_now(*p.b), "y") << "cancel loses nothing";
}

TEST(memory_transport_test, short_reads_and_writes_move_at_most_the_set_sizes) {
  pipe p;
  net::memory_faults writes, reads;
  writes.max_write = 2;
  reads.max_read = 3;
  p.a->set_faults(writes);
  p.b->set_faults(reads);
  EXPECT_EQ(p.a->write_some(std::string_view("abcdefg")).bytes, 2u);
  EXPECT_EQ(p.a->write_some(std::string_view("cdefg")).bytes, 2u);
  char buffer[16];
  const auto r = p.b->read_some(buffer);
  ASSERT_EQ(r.status, io_status::done);
  EXPECT_EQ(r.bytes, 3u);
  EXPECT_EQ(std::string(buffer, r.bytes), "abc");
  EXPECT_EQ(read_all_now(*p.b), "d");
}

TEST(memory_transport_test, the_nth_read_and_write_fail_with_the_set_error) {
  pipe p;
  const auto injected = std::make_error_code(std::errc::io_error);
  net::memory_faults writes, reads;
  writes.fail_write_at = 2;
  reads.fail_read_at = 2;
  writes.error = reads.error = injected;
  p.a->set_faults(writes);
  p.b->set_faults(reads);
  EXPECT_EQ(p.a->write_some(std::string_view("one")).status, io_status::done);
  const auto failed_write = p.a->write_some(std::string_view("two"));
  EXPECT_EQ(failed_write.status, io_status::failed);
  EXPECT_EQ(failed_write.error, injected);
  EXPECT_EQ(p.a->write_some(std::string_view("three")).status, io_status::done);
  EXPECT_EQ(p.a->writes(), 3u);

  char buffer[3];
  EXPECT_EQ(p.b->read_some(buffer).status, io_status::done);
  const auto failed_read = p.b->read_some(buffer);
  EXPECT_EQ(failed_read.status, io_status::failed);
  EXPECT_EQ(failed_read.error, injected);
  EXPECT_EQ(read_all_now(*p.b), "three") << "the failed write delivered nothing";
  EXPECT_EQ(p.b->reads(), 3u);
}

TEST(memory_transport_test, a_half_close_ends_the_peers_input_after_its_bytes) {
  pipe p;
  (void)p.a->write_some(std::string_view("last words"));
  EXPECT_FALSE(p.a->shutdown_send());
  EXPECT_EQ(p.a->write_some(std::string_view("more")).error,
            std::make_error_code(std::errc::broken_pipe));
  EXPECT_EQ(read_all_now(*p.b), "last words");
  char buffer[4];
  EXPECT_EQ(p.b->read_some(buffer).status, io_status::end_of_input);
  // The other direction still works.
  (void)p.b->write_some(std::string_view("reply"));
  EXPECT_EQ(read_all_now(*p.a), "reply");
}

TEST(memory_transport_test, close_ends_the_peers_input_and_aborts_own_waits) {
  pipe p;
  std::optional<std::error_code> woke;
  p.a->async_wait(net::wait_type::read, [&](std::error_code ec) { woke = ec; });
  p.a->close();
  p.io.run_for(std::chrono::seconds(1));
  ASSERT_TRUE(woke);
  EXPECT_EQ(*woke, aborted());
  char buffer[4];
  EXPECT_EQ(p.b->read_some(buffer).status, io_status::end_of_input);
  EXPECT_EQ(p.b->write_some(std::string_view("x")).error,
            std::make_error_code(std::errc::broken_pipe));
  EXPECT_TRUE(p.a->shutdown_send()) << "a closed end cannot half-close";
}

TEST(memory_transport_test, a_wait_on_a_closed_end_completes_aborted) {
  for (const auto what : {net::wait_type::read, net::wait_type::write}) {
    pipe p;
    p.a->close();
    std::optional<std::error_code> woke;
    p.a->async_wait(what, [&](std::error_code ec) { woke = ec; });
    EXPECT_FALSE(woke) << "completes through the executor, not inside async_wait";
    p.io.run_for(std::chrono::seconds(1));
    ASSERT_TRUE(woke);
    EXPECT_EQ(*woke, aborted());
  }
}

TEST(memory_transport_test, reset_discards_unread_bytes_and_fails_the_peers_reads) {
  pipe p;
  (void)p.a->write_some(std::string_view("never read"));
  p.a->reset();
  char buffer[16];
  const auto r = p.b->read_some(buffer);
  EXPECT_EQ(r.status, io_status::failed);
  EXPECT_EQ(r.error, std::make_error_code(std::errc::connection_reset));
}

TEST(memory_transport_test, the_ends_may_run_on_different_executors) {
  boost::asio::io_context first, second;
  auto [a, b] = net::memory_transport::make_pair(first.get_executor(), second.get_executor());
  bool woke = false;
  b->async_wait(net::wait_type::read, [&](std::error_code) { woke = true; });
  (void)a->write_some(std::string_view("x"));
  first.run_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(woke) << "b's handler runs on b's executor only";
  second.run_for(std::chrono::seconds(1));
  EXPECT_TRUE(woke);
}

}  // namespace
