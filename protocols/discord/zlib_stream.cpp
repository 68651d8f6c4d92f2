#include "protocols/discord/zlib_stream.hpp"

#include <algorithm>
#include <cstring>

#include <zlib.h>

namespace tether::discord {

namespace {

constexpr char sync_flush_suffix[] = {'\x00', '\x00', '\xff', '\xff'};

void destroy(z_stream_s* strm) {
  inflateEnd(strm);
  delete strm;
}

z_stream_s* make_inflater() {
  auto strm = new z_stream_s{};
  if (inflateInit(strm) != Z_OK) {
    delete strm;
    return nullptr;
  }
  return strm;
}

bool ends_with_flush(const std::string& buf) {
  return buf.size() >= 4
         && std::memcmp(buf.data() + buf.size() - 4, sync_flush_suffix, 4) == 0;
}

} // namespace

zlib_stream::zlib_stream(size_t max_message)
  : max_message_(max_message), strm_(make_inflater(), destroy) {
  if (!strm_) error_ = "inflateInit failed";
}

zlib_stream::zlib_stream(zlib_stream&&) noexcept = default;

zlib_stream& zlib_stream::operator=(zlib_stream&&) noexcept = default;

zlib_stream::~zlib_stream() {
  // nop
}

std::optional<std::string> zlib_stream::fail(std::string what,
                                             std::string* error) {
  error_ = std::move(what);
  buffer_.clear();
  if (error) *error = error_;
  return std::nullopt;
}

std::optional<std::string> zlib_stream::push(std::string_view frame,
                                             std::string* error) {
  if (!strm_ && error_.empty()) error_ = "moved-from zlib_stream";
  if (failed()) {
    if (error) *error = error_;
    return std::nullopt;
  }
  if (frame.size() > max_message_ - std::min(max_message_, buffer_.size()))
    return fail("compressed message exceeds " + std::to_string(max_message_)
                  + " bytes",
                error);
  buffer_.append(frame.data(), frame.size());
  if (!ends_with_flush(buffer_)) return std::nullopt;
  auto* strm = strm_.get();
  strm->next_in = reinterpret_cast<Bytef*>(buffer_.data());
  strm->avail_in = static_cast<uInt>(buffer_.size());
  // One byte past the limit tells "exactly max" from "more than max".
  auto cap = max_message_ + 1;
  std::string out;
  out.resize(std::min(cap, std::max<size_t>(buffer_.size() * 8, 4096)));
  size_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() >= cap)
        return fail(
          "message exceeds " + std::to_string(max_message_) + " bytes", error);
      out.resize(std::min(cap, out.size() * 2));
    }
    strm->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    strm->avail_out = static_cast<uInt>(out.size() - produced);
    auto rc = inflate(strm, Z_SYNC_FLUSH);
    produced = out.size() - strm->avail_out;
    if (rc == Z_STREAM_END) {
      // Discord never ends the stream; anything after the end is garbage.
      if (strm->avail_in > 0)
        return fail("data after the end of the zlib stream", error);
      break;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      // Done once all input is consumed and output space is left over:
      // Z_SYNC_FLUSH then has emitted everything.
      if (strm->avail_in == 0 && strm->avail_out > 0) break;
      if (strm->avail_out == 0) continue;
      return fail("inflate made no progress", error);
    }
    return fail(std::string{"corrupt zlib data: "}
                  + (strm->msg ? strm->msg : zError(rc)),
                error);
  }
  if (produced > max_message_)
    return fail("message exceeds " + std::to_string(max_message_) + " bytes",
                error);
  out.resize(produced);
  // A huge message (GUILD_CREATE) must not pin its buffer forever.
  if (buffer_.capacity() > 1024 * 1024)
    std::string{}.swap(buffer_);
  else
    buffer_.clear();
  return out;
}

void zlib_stream::reset() {
  buffer_.clear();
  error_.clear();
  if (strm_ && inflateReset(strm_.get()) == Z_OK) return;
  strm_.reset(make_inflater());
  if (!strm_) error_ = "inflateInit failed";
}

} // namespace tether::discord
