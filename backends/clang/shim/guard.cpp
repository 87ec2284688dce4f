// Dry runs: an input is first parsed in a forked copy of this process, and
// only handed to the real interpreter when clang accepted it there.
//
// Why: clang 19's incremental parser has failure paths that end the
// process or leave the interpreter damaged, and none of them can be caught
// from inside: an unfinished input (`struct A {`) makes it loop on the end
// of input while memory grows; cleaning up a failed input can crash (a
// redefinition of a class); and a failed input can leave declarations
// half-registered in namespaces, so later inputs fail on them. In a child
// these are harmless: the child's diagnostics are streamed back, it is
// stopped shortly after its first error (the grace period lets clang say a
// little more), and it is killed if it does not finish at all. The real
// interpreter then only ever sees inputs that parse.

#include "cpplive-clang/shim/impl.h"

#include "clang/Lex/Lexer.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/Preprocessor.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cpplive {

namespace {

// How long a child may keep parsing after its first error, and how long
// any parse may take at all (a large header may legitimately take long).
constexpr unsigned kErrorGraceMs = 300;
// The last bytes a child writes: a NUL (diagnostics never hold one), then
// one of these.
constexpr char kAccepted = 'y';
constexpr char kRejected = 'n';
unsigned parse_limit_ms() {
  static unsigned limit = [] {
    const char *text = std::getenv("CPPLIVE_PARSE_TIMEOUT");
    long seconds = text ? std::strtol(text, nullptr, 10) : 0;
    return seconds > 0 ? static_cast<unsigned>(seconds * 1000) : 300u * 1000u;
  }();
  return limit;
}

[[noreturn]] void child(Session::Impl &impl, llvm::StringRef code, int fd) {
  // Nothing of the parent's exit machinery may run here: no atexit
  // handlers, no stdio flushing, no Python.
  std::signal(SIGALRM, [](int) { ::_exit(3); });
  // A crash of clang here ends this child, whatever handlers the parent
  // has (Python's faulthandler, signals_as_exception).
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    std::signal(fault, SIG_DFL);
  ::dup2(fd, STDERR_FILENO);
  impl.diagnostics_fd = fd;
  impl.error_grace_ms = kErrorGraceMs;
  // The child only has to find out whether clang accepts the input: the
  // optimizer (most of a template-heavy input's time) need not run.
  clang::CodeGenOptions &codegen = impl.interp->getCompilerInstance()->getCodeGenOpts();
  codegen.DisableLLVMPasses = true;
  char status = kAccepted;
  try {
    impl.parse_here(code);
  } catch (const std::exception &error) {
    // Diagnostics were streamed (and the error repeats them); a failure
    // without any says why itself.
    if (!impl.streamed_diagnostics) {
      std::string text = error.what();
      (void)!::write(fd, text.data(), text.size());
    }
    status = kRejected;
  } catch (...) {
    status = kRejected;
  }
  // The verdict lets the parent go on while this process is torn down.
  char verdict[2] = {'\0', status};
  (void)!::write(fd, verdict, sizeof verdict);
  ::_exit(0);
}

// Children whose verdict came before their exit: reaped later, without
// waiting for them.
std::vector<pid_t> unreaped;

void reap_finished() {
  unreaped.erase(std::remove_if(unreaped.begin(), unreaped.end(),
                                [](pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) != 0; }),
                 unreaped.end());
}

} // namespace

void dry_run(Session::Impl &impl, llvm::StringRef code) {
  reap_finished();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return; // no dry run possible: parse as before
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return;
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(impl, code, fds[1]);
  }
  ::close(fds[1]);

  std::string text;
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::milliseconds(parse_limit_ms());
  bool timed_out = false;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd poll_fd{fds[0], POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t got = ::read(fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break; // the child has exited (or closed its end)
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() >= 2 && text[text.size() - 2] == '\0')
      break;
  }
  ::close(fds[0]);
  static bool debug = std::getenv("CPPLIVE_DEBUG") != nullptr;
  if (debug)
    std::fprintf(stderr, "cpplive: dry run of %zu bytes: %.1f ms\n", code.size(),
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  if (!timed_out && text.size() >= 2 && text[text.size() - 2] == '\0') {
    char verdict = text.back();
    text.resize(text.size() - 2);
    unreaped.push_back(pid);
    if (verdict == kAccepted)
      return;
    fail(text.empty() ? std::string("the input was rejected") : text);
  }
  if (timed_out)
    ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (timed_out)
    fail(text + (text.empty() ? "" : "\n") + "clang did not finish parsing this input within " +
         std::to_string(parse_limit_ms() / 1000) +
         " s (set CPPLIVE_PARSE_TIMEOUT to allow longer); nothing of it was declared");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return;
  if (WIFSIGNALED(status))
    fail(text + (text.empty() ? "" : "\n") + "clang crashed on this input (signal " +
         std::to_string(WTERMSIG(status)) + "); nothing of it was declared");
  fail(text.empty() ? std::string("the input was rejected") : text);
}

rust::String Session::unclosed_bracket(rust::Str code) const {
  const clang::LangOptions &language = impl->interp->getCompilerInstance()->getLangOpts();
  std::string text(code);
  clang::Lexer lexer(clang::SourceLocation(), language, text.data(), text.data(), text.data() + text.size());
  struct Open {
    clang::tok::TokenKind closer;
    std::size_t offset;
    char spelling;
    // The arguments of a function-like macro: the preprocessor collects
    // them up to the matching ')', through any '}', so an unclosed one
    // reaches the end of input as surely as an unclosed brace does.
    bool macro_arguments;
  };
  std::vector<Open> open;
  const clang::Preprocessor &preprocessor = impl->interp->getCompilerInstance()->getPreprocessor();
  auto is_function_macro = [&](const clang::Token &name) {
    if (!name.is(clang::tok::raw_identifier))
      return false;
    // Through the identifier table's lookup, which also asks the
    // precompiled header (its macros are read on demand).
    const clang::MacroInfo *macro = preprocessor.getMacroInfo(preprocessor.getIdentifierInfo(name.getRawIdentifier()));
    return macro && macro->isFunctionLike();
  };
  clang::Token token, previous;
  previous.startToken();
  std::size_t reported = std::string::npos;
  bool line_start = true;
  for (bool at_end = false; !at_end;) {
    at_end = lexer.LexFromRawLexer(token);
    if (token.is(clang::tok::eof))
      break;
    if (token.isAtStartOfLine())
      line_start = true;
    if (line_start && token.is(clang::tok::hash)) {
      // Conditional code and macros can balance what the raw text does
      // not: only clang's parse can judge such input.
      clang::Token directive;
      at_end = lexer.LexFromRawLexer(directive);
      if (directive.is(clang::tok::raw_identifier)) {
        llvm::StringRef name = directive.getRawIdentifier();
        if (name == "if" || name == "ifdef" || name == "ifndef" || name == "elif" || name == "else" ||
            name == "endif" || name == "define")
          return rust::String();
      }
      line_start = false;
      continue;
    }
    line_start = false;
    std::size_t offset = static_cast<std::size_t>(token.getLocation().getRawEncoding());
    switch (token.getKind()) {
    case clang::tok::l_brace: open.push_back({clang::tok::r_brace, offset, '{', false}); break;
    case clang::tok::l_paren: open.push_back({clang::tok::r_paren, offset, '(', is_function_macro(previous)}); break;
    case clang::tok::l_square: open.push_back({clang::tok::r_square, offset, '[', false}); break;
    case clang::tok::r_brace:
    case clang::tok::r_paren:
    case clang::tok::r_square:
      if (!open.empty() && open.back().closer == token.getKind()) {
        open.pop_back();
        break;
      }
      // A stray closer is clang's to diagnose; it does not hang, unless
      // it only ends up inside a macro's arguments.
      if (!open.empty() && open.back().macro_arguments)
        reported = open.back().offset;
      else
        return rust::String();
      break;
    default:
      break;
    }
    previous = token;
    if (reported != std::string::npos)
      break;
  }
  if (open.empty())
    return rust::String();
  std::size_t offset = reported != std::string::npos ? reported : open.front().offset;
  char spelling = reported != std::string::npos ? '(' : open.front().spelling;
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return rust::String(std::to_string(line) + ":" + std::to_string(column) + ":" + spelling);
}

} // namespace cpplive
