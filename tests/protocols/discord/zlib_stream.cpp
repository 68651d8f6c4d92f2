#define CAF_SUITE protocols.discord.zlib_stream

#include "protocols/discord/zlib_stream.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

#include <zlib.h>

using namespace tether::discord;

namespace {

// The server side: one deflate stream per connection, each message ended
// with Z_SYNC_FLUSH (so each chunk ends in 00 00 ff ff).
class deflater {
public:
  deflater() {
    if (deflateInit(&strm_, Z_DEFAULT_COMPRESSION) != Z_OK)
      throw std::runtime_error("deflateInit");
  }

  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;

  ~deflater() {
    deflateEnd(&strm_);
  }

  std::string compress(const std::string& msg) {
    std::string out;
    strm_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
    strm_.avail_in = static_cast<uInt>(msg.size());
    char buf[4096];
    do {
      strm_.next_out = reinterpret_cast<Bytef*>(buf);
      strm_.avail_out = sizeof(buf);
      if (deflate(&strm_, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
        throw std::runtime_error("deflate");
      out.append(buf, sizeof(buf) - strm_.avail_out);
    } while (strm_.avail_out == 0);
    return out;
  }

private:
  z_stream strm_{};
};

std::vector<std::string> sample_messages() {
  std::string big = R"({"op":0,"t":"GUILD_CREATE","s":3,"d":{"members":[)";
  for (int i = 0; i < 500; ++i) {
    if (i > 0) big += ',';
    big += R"({"user":{"id":")" + std::to_string(100000 + i)
           + R"(","username":"member)" + std::to_string(i) + R"("}})";
  }
  big += "]}}";
  return {
    R"({"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}})",
    R"({"t":"READY","s":1,"op":0,"d":{"session_id":"abc"}})",
    R"({"op":11})",
    big,
    R"({"t":"MESSAGE_CREATE","s":4,"op":0,"d":{"content":"hi"}})",
  };
}

bool ends_with_flush(const std::string& x) {
  return x.size() >= 4
         && x.compare(x.size() - 4, 4, "\x00\x00\xff\xff", 4) == 0;
}

} // namespace

CAF_TEST(whole frames inflate to their messages sharing one context) {
  deflater def;
  zlib_stream z;
  for (auto& msg : sample_messages()) {
    auto frame = def.compress(msg);
    CAF_REQUIRE(ends_with_flush(frame));
    std::string error;
    auto out = z.push(frame, &error);
    CAF_REQUIRE(out);
    CAF_CHECK_EQUAL(*out, msg);
    CAF_CHECK_EQUAL(error, "");
    CAF_CHECK_EQUAL(z.buffered(), 0u);
  }
  CAF_CHECK(!z.failed());
}

CAF_TEST(a later message depends on the shared context) {
  deflater def;
  auto msgs = sample_messages();
  def.compress(msgs[0]);
  auto second = def.compress(msgs[0]); // back-references into the first
  zlib_stream fresh;
  std::string error;
  // A fresh context cannot decode it: proves the context is shared.
  CAF_CHECK(!fresh.push(second, &error));
  CAF_CHECK_NOT_EQUAL(error, "");
}

CAF_TEST(a message split at every byte boundary reassembles) {
  auto msgs = sample_messages();
  for (size_t idx : {size_t{1}, size_t{3}}) {
    deflater def;
    // Keep the context warm with a first message, as on a live connection.
    auto first = def.compress(msgs[0]);
    auto frame = def.compress(msgs[idx]);
    for (size_t cut = 1; cut < frame.size(); ++cut) {
      zlib_stream z;
      CAF_REQUIRE(z.push(first) == msgs[0]);
      std::string error;
      auto head = frame.substr(0, cut);
      auto tail = frame.substr(cut);
      auto out = z.push(head, &error);
      // A head that happens to end in the suffix would be inflated early;
      // a compressor never emits that, so it must not occur here.
      CAF_REQUIRE(!out);
      CAF_REQUIRE_EQUAL(error, "");
      CAF_REQUIRE_EQUAL(z.buffered(), cut);
      out = z.push(tail, &error);
      CAF_REQUIRE(out);
      CAF_REQUIRE_EQUAL(*out, msgs[idx]);
    }
  }
}

CAF_TEST(a message spread over many small frames reassembles) {
  deflater def;
  auto msgs = sample_messages();
  auto frame = def.compress(msgs[3]);
  zlib_stream z;
  std::optional<std::string> out;
  for (size_t pos = 0; pos < frame.size(); pos += 7) {
    CAF_REQUIRE(!out);
    out = z.push(std::string_view{frame}.substr(pos, 7));
  }
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(*out, msgs[3]);
}

CAF_TEST(corrupt input fails and keeps failing until reset) {
  deflater def;
  auto msgs = sample_messages();
  auto frame = def.compress(msgs[1]);
  std::string bad = "\x12\x34\x56\x78" + frame; // not a zlib header
  zlib_stream z;
  std::string error;
  CAF_CHECK(!z.push(bad, &error));
  CAF_CHECK_NOT_EQUAL(error.find("corrupt"), std::string::npos);
  CAF_CHECK(z.failed());
  error.clear();
  CAF_CHECK(!z.push(frame, &error));
  CAF_CHECK_NOT_EQUAL(error, "");
  z.reset();
  CAF_CHECK(!z.failed());
  auto out = z.push(frame, &error);
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(*out, msgs[1]);
}

CAF_TEST(garbage in the middle of a stream is detected) {
  deflater def;
  auto msgs = sample_messages();
  zlib_stream z;
  CAF_REQUIRE(z.push(def.compress(msgs[0])) == msgs[0]);
  // Garbage with a valid suffix: 0xff starts a block of invalid type 3.
  std::string bad = std::string(8, '\xff') + std::string("\0\0\xff\xff", 4);
  std::string error;
  CAF_CHECK(!z.push(bad, &error));
  CAF_CHECK_NOT_EQUAL(error, "");
  CAF_CHECK(z.failed());
}

CAF_TEST(data after the end of the zlib stream fails) {
  // A stream finished with Z_FINISH, then more bytes ending in the suffix.
  std::string msg = R"({"op":11})";
  uLongf size = compressBound(static_cast<uLong>(msg.size()));
  std::string finished(size, '\0');
  CAF_REQUIRE_EQUAL(compress(reinterpret_cast<Bytef*>(finished.data()), &size,
                             reinterpret_cast<const Bytef*>(msg.data()),
                             static_cast<uLong>(msg.size())),
                    Z_OK);
  finished.resize(size);
  zlib_stream z;
  std::string error;
  CAF_CHECK(!z.push(finished + std::string("x\0\0\xff\xff", 5), &error));
  CAF_CHECK_NOT_EQUAL(error.find("after the end"), std::string::npos);
}

CAF_TEST(messages above the limit fail) {
  deflater def;
  auto msgs = sample_messages();
  auto& big = msgs[3];
  {
    zlib_stream z{big.size()};
    CAF_CHECK(z.push(def.compress(big)) == big);
  }
  deflater def2;
  zlib_stream z{big.size() - 1};
  std::string error;
  CAF_CHECK(!z.push(def2.compress(big), &error));
  CAF_CHECK_NOT_EQUAL(error.find("exceeds"), std::string::npos);
  CAF_CHECK(z.failed());
}

CAF_TEST(compressed input that never ends is bounded) {
  zlib_stream z{100};
  std::string error;
  CAF_CHECK(!z.push(std::string(60, 'x'), &error));
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK(!z.push(std::string(60, 'x'), &error));
  CAF_CHECK_NOT_EQUAL(error.find("exceeds"), std::string::npos);
  CAF_CHECK_EQUAL(z.buffered(), 0u);
}

CAF_TEST(reset starts a new connection) {
  auto msgs = sample_messages();
  zlib_stream z;
  {
    deflater def;
    CAF_REQUIRE(z.push(def.compress(msgs[0])) == msgs[0]);
    // Half a message is pending when the connection drops.
    auto frame = def.compress(msgs[1]);
    CAF_REQUIRE(!z.push(frame.substr(0, 5)));
  }
  z.reset();
  CAF_CHECK_EQUAL(z.buffered(), 0u);
  deflater def;
  for (auto& msg : msgs)
    CAF_CHECK(z.push(def.compress(msg)) == msg);
}

CAF_TEST(a moved stream keeps its context) {
  deflater def;
  auto msgs = sample_messages();
  zlib_stream a;
  CAF_REQUIRE(a.push(def.compress(msgs[0])) == msgs[0]);
  zlib_stream b{std::move(a)};
  CAF_CHECK(b.push(def.compress(msgs[1])) == msgs[1]);
}
