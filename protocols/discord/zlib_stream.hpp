// Discord's zlib-stream transport compression (PROTOCOLS.md §1.10): the
// whole connection is one zlib stream; each gateway message is flushed
// with Z_SYNC_FLUSH and may span several WebSocket frames, the last of
// which ends in 00 00 ff ff.

#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct z_stream_s;

namespace tether::discord {

class zlib_stream {
public:
  // -- constructors, destructors, and assignment operators --------------------

  /// `max_message` bounds one inflated message, and the compressed bytes
  /// buffered while waiting for its end.
  explicit zlib_stream(size_t max_message = 16 * 1024 * 1024);

  zlib_stream(zlib_stream&&) noexcept;

  zlib_stream& operator=(zlib_stream&&) noexcept;

  ~zlib_stream();

  // -- modifiers --------------------------------------------------------------

  /// Takes one WebSocket frame. Returns the inflated message once the
  /// buffered input ends in 00 00 ff ff, nullopt while more frames are
  /// needed or on failure. On failure (corrupt data, a message above
  /// `max_message`) `*error` is set and every later push fails too: the
  /// stream cannot recover, so the connection must be dropped and reset()
  /// called before the next one. `*error` is left alone otherwise.
  std::optional<std::string> push(std::string_view frame,
                                  std::string* error = nullptr);

  /// Forgets all state; call for every new connection.
  void reset();

  // -- observers --------------------------------------------------------------

  bool failed() const noexcept {
    return !error_.empty();
  }

  /// Compressed bytes waiting for the end of a message.
  size_t buffered() const noexcept {
    return buffer_.size();
  }

private:
  std::optional<std::string> fail(std::string what, std::string* error);

  size_t max_message_;
  std::unique_ptr<z_stream_s, void (*)(z_stream_s*)> strm_;
  std::string buffer_;
  std::string error_;
};

} // namespace tether::discord
