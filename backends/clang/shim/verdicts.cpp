// Dry-run verdicts remembered across processes. A dry run (guard.cpp)
// parses an input twice; a program run again parses the same inputs in the
// same order, over the same files. So an input clang accepted is
// remembered under a key made of everything the session parsed before it
// (each input's text, and the size and time of every file each one read)
// and its own text; the entry lists the files the input itself read. Next
// time, when the key is the same and every listed file is unchanged, the
// input is parsed once. Only acceptance is remembered: rejected input is
// always tried in a child first.

#include "cpplive-clang/shim/impl.h"

#include "clang/Basic/SourceManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace cpplive {

namespace {

struct FileStamp {
  std::string path;
  std::uint64_t size;
  std::int64_t mtime;
};

void mix(Session::Impl &impl, llvm::StringRef text) {
  std::string data;
  data.reserve(sizeof impl.history + text.size());
  data.append(reinterpret_cast<const char *>(&impl.history), sizeof impl.history);
  data.append(text.data(), text.size());
  llvm::XXH128_hash_t hash =
      llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(data.data()), data.size()));
  impl.history = {hash.high64, hash.low64};
}

std::string key_of(Session::Impl &impl, llvm::StringRef code) {
  auto saved = impl.history;
  mix(impl, code);
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(impl.history[0]),
                static_cast<unsigned long long>(impl.history[1]));
  impl.history = saved;
  return text;
}

// The files the session has read since the last call, sorted.
std::vector<FileStamp> newly_read(Session::Impl &impl) {
  std::vector<FileStamp> found;
  clang::SourceManager &sources = impl.interp->getCompilerInstance()->getSourceManager();
  for (auto it = sources.fileinfo_begin(); it != sources.fileinfo_end(); ++it) {
    clang::FileEntryRef file = it->first;
    std::string path = file.getName().str();
    if (!impl.files_read.insert(path).second)
      continue;
    found.push_back(FileStamp{path, static_cast<std::uint64_t>(file.getSize()),
                              static_cast<std::int64_t>(file.getModificationTime())});
  }
  std::sort(found.begin(), found.end(), [](const FileStamp &a, const FileStamp &b) { return a.path < b.path; });
  return found;
}

bool unchanged(const FileStamp &stamp) {
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(stamp.path, status))
    return false;
  auto mtime = llvm::sys::toTimeT(status.getLastModificationTime());
  return status.getSize() == stamp.size && static_cast<std::int64_t>(mtime) == stamp.mtime;
}

} // namespace

bool known_accepted(Session::Impl &impl, llvm::StringRef code) {
  if (impl.verdict_dir.empty())
    return false;
  std::ifstream in(impl.verdict_dir + "/" + key_of(impl, code));
  if (!in)
    return false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    FileStamp stamp;
    if (!(fields >> stamp.size >> stamp.mtime) || !std::getline(fields >> std::ws, stamp.path) || !unchanged(stamp))
      return false;
  }
  return true;
}

void note_parsed(Session::Impl &impl, llvm::StringRef code, bool accepted, bool remember) {
  std::string key = remember && accepted && !impl.verdict_dir.empty() ? key_of(impl, code) : std::string();
  mix(impl, code);
  std::vector<FileStamp> files = newly_read(impl);
  for (const FileStamp &file : files)
    mix(impl, file.path + "\n" + std::to_string(file.size) + "\n" + std::to_string(file.mtime));
  if (key.empty())
    return;
  // Written whole, then renamed: a reader never sees half an entry.
  std::string path = impl.verdict_dir + "/" + key;
  std::string partial = path + "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out(partial);
    if (!out)
      return;
    // Buffers that are no file on disk (the interpreter's own "<<< inputs
    // >>>") are in the history, not in the entry.
    for (const FileStamp &file : files)
      if (llvm::sys::fs::exists(file.path))
        out << file.size << " " << file.mtime << " " << file.path << "\n";
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0)
    std::remove(partial.c_str());
}

namespace {

// Entries are small, but every new input makes one: now and then (one
// session in 64) a directory grown past its bound loses its oldest half.
constexpr std::size_t kMaxEntries = 50000;

void prune(const std::string &dir) {
  if (::getpid() % 64 != 0)
    return;
  std::vector<std::pair<std::int64_t, std::string>> entries;
  std::error_code error;
  for (llvm::sys::fs::directory_iterator it(dir, error), end; it != end && !error; it.increment(error)) {
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(it->path(), status))
      entries.emplace_back(llvm::sys::toTimeT(status.getLastModificationTime()), it->path());
  }
  if (entries.size() <= kMaxEntries)
    return;
  std::sort(entries.begin(), entries.end());
  for (std::size_t i = 0; i < entries.size() / 2; ++i)
    std::remove(entries[i].second.c_str());
}

} // namespace

void Session::remember_verdicts(rust::Str dir) {
  std::string path(dir);
  if (!path.empty() && llvm::sys::fs::create_directories(path))
    path.clear(); // cannot be made: nothing is remembered
  if (!path.empty())
    prune(path);
  impl->verdict_dir = path;
}

void note_setting(Session::Impl &impl, const std::string &setting) { mix(impl, "\x01" + setting); }

void forget_accepted(Session::Impl &impl, llvm::StringRef code) {
  if (!impl.verdict_dir.empty())
    std::remove((impl.verdict_dir + "/" + key_of(impl, code)).c_str());
}

} // namespace cpplive
