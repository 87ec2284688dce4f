// Compiled code reused across runs (src/codecache.rs decides what is kept
// and where). clang emits each input's module unoptimized; its key is the
// hash of that IR. When an earlier run compiled the same IR, the object the
// JIT made then is linked in its place, and the optimizer and the code
// generator (most of a template-heavy input's time) do not run at all.
// Otherwise the module is optimized here, with clang's own pipeline and
// options (what clang would have run inside the parse), and the object the
// JIT makes of it is handed to Rust to keep.

#include "cpplive-clang/shim/impl.h"
#include "cpplive-clang/src/ffi.rs.h"

#include "clang/CodeGen/BackendUtil.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ObjectTransformLayer.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"

#include <cstdio>

namespace cpplive {

namespace {

// The JIT names an object after its module, with this suffix.
constexpr llvm::StringLiteral kJittedSuffix = "-jitted-objectbuffer";
// Objects linked from the cache are named so, and not handed back.
constexpr llvm::StringLiteral kReusedName = "cpplive-reused-object";

} // namespace

void start_unoptimized_codegen(Session::Impl &impl) {
  // From here on clang's parse leaves modules unoptimized: the optimizer
  // runs in `optimize`, only for modules no earlier run compiled.
  impl.interp->getCompilerInstance()->getCodeGenOpts().DisableLLVMPasses = true;
  auto jit = impl.interp->getExecutionEngine();
  if (!jit)
    fail("no JIT: " + error_text(jit.takeError()));
  Session::Impl *state = &impl;
  jit->getObjTransformLayer().setTransform(
      [state](std::unique_ptr<llvm::MemoryBuffer> object) -> llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> {
        if (!state->keep_objects)
          return std::move(object);
        llvm::StringRef name = object->getBufferIdentifier();
        if (name == kReusedName || !name.consume_back(kJittedSuffix))
          return std::move(object);
        std::lock_guard<std::mutex> guard(state->compiled_lock);
        state->compiled.push_back({name.str(), std::string(object->getBuffer())});
        return std::move(object);
      });
}

void Session::Impl::optimize(clang::PartialTranslationUnit &ptu) {
  llvm::Module *module = ptu.TheModule.get();
  // A module whose object is reused is never compiled.
  if (!module || reused_objects.count(&ptu) || !optimized.insert(&ptu).second)
    return;
  clang::CompilerInstance *ci = interp->getCompilerInstance();
  clang::CodeGenOptions &codegen = ci->getCodeGenOpts();
  codegen.DisableLLVMPasses = false;
  clang::EmitBackendOutput(ci->getDiagnostics(), ci->getHeaderSearchOpts(), codegen, ci->getTargetOpts(),
                           ci->getLangOpts(), ci->getTarget().getDataLayoutString(), module,
                           clang::Backend_EmitNothing, ci->getFileManager().getVirtualFileSystemPtr(), nullptr);
  codegen.DisableLLVMPasses = true;
}

rust::String Session::code_key(std::uint64_t handle, rust::Str salt) const {
  clang::PartialTranslationUnit &ptu = impl->ptu_of(handle);
  llvm::Module *module = ptu.TheModule.get();
  if (!module || impl->optimized.count(&ptu))
    return rust::String();
  llvm::SmallVector<char, 0> bitcode;
  llvm::raw_svector_ostream out(bitcode);
  out << llvm::StringRef(salt.data(), salt.size()) << '\0';
  llvm::WriteBitcodeToFile(*module, out);
  llvm::XXH128_hash_t hash = llvm::xxh3_128bits(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bitcode.data()), bitcode.size()));
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return rust::String(text);
}

rust::String Session::module_name(std::uint64_t handle) const {
  llvm::Module *module = impl->ptu_of(handle).TheModule.get();
  return rust::String(module ? module->getModuleIdentifier() : std::string());
}

void Session::reuse_object(std::uint64_t handle, rust::Slice<const std::uint8_t> object) {
  clang::PartialTranslationUnit &ptu = impl->ptu_of(handle);
  impl->reused_objects[&ptu] = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(object.data()), object.size()), kReusedName);
}

void Session::keep_objects(bool keep) { impl->keep_objects = keep; }

rust::Vec<CompiledObject> Session::take_compiled() const {
  std::vector<Session::Impl::Compiled> taken;
  {
    std::lock_guard<std::mutex> guard(impl->compiled_lock);
    taken.swap(impl->compiled);
  }
  rust::Vec<CompiledObject> out;
  for (auto &entry : taken) {
    CompiledObject object;
    object.module = rust::String(entry.module);
    object.object = std::make_unique<std::string>(std::move(entry.object));
    out.push_back(std::move(object));
  }
  return out;
}

bool reuse_compiled(Session::Impl &impl, clang::PartialTranslationUnit &ptu, llvm::Error &result) {
  auto found = impl.reused_objects.find(&ptu);
  if (found == impl.reused_objects.end())
    return false;
  std::unique_ptr<llvm::MemoryBuffer> object = std::move(found->second);
  impl.reused_objects.erase(found);
  // What the module was compiled to is linked instead; the IR is not needed.
  ptu.TheModule.reset();
  auto jit = impl.interp->getExecutionEngine();
  if (!jit) {
    result = jit.takeError();
    return true;
  }
  llvm::orc::JITDylib &main = jit->getMainJITDylib();
  if (llvm::Error err = jit->addObjectFile(main, std::move(object))) {
    result = std::move(err);
    return true;
  }
  // The module's static initializers, as the interpreter runs them.
  result = jit->initialize(main);
  return true;
}

} // namespace cpplive
