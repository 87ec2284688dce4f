// Reflection: names, scopes, members and types as flat records. The shim
// answers questions; which member to call and how to convert is decided in Rust.

#include "cpplive-clang/shim/impl.h"
#include "cpplive-clang/src/ffi.rs.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/QualTypeNames.h"
#include "clang/AST/RecordLayout.h"
#include "clang/Sema/Lookup.h"
#include "clang/Sema/Template.h"
#include "clang/Sema/TemplateDeduction.h"
#include "clang/AST/TemplateBase.h"
#include "clang/AST/ExprCXX.h"

#include <cstdlib>
#include <set>

namespace cpplive {

namespace {

using namespace clang;

enum EntityKind : std::uint8_t {
  kNamespace = 1,
  kClass = 2,
  kEnum = 3,
  kFunction = 4,
  kVariable = 5,
  kClassTemplate = 6,
  kFunctionTemplate = 7,
  kTypedef = 8,
  kEnumerator = 9,
  kField = 10,
};

PrintingPolicy policy(ASTContext &ctx) {
  PrintingPolicy pp(ctx.getLangOpts());
  pp.SuppressTagKeyword = true;
  pp.FullyQualifiedName = true;
  pp.SuppressUnwrittenScope = true;
  pp.PrintCanonicalTypes = true;
  return pp;
}

std::uint8_t access_code(AccessSpecifier access) {
  switch (access) {
  case AS_protected:
    return 1;
  case AS_private:
    return 2;
  default:
    return 0;
  }
}

// Completes a class, instantiating a template specialization if needed.
CXXRecordDecl *complete_record(Session::Impl &impl, CXXRecordDecl *record) {
  if (!record)
    return nullptr;
  if (!record->hasDefinition()) {
    QualType type = impl.context().getRecordType(record);
    impl.diagnostics.clear();
    if (!impl.sema().isCompleteType(SourceLocation(), type))
      return nullptr;
  }
  return record->getDefinition();
}

/// The typedef that names lambda closure type `closure` (made on first use).
TypedefNameDecl *closure_name(Session::Impl &impl, CXXRecordDecl *closure) {
  auto found = impl.closure_names.find(closure);
  if (found != impl.closure_names.end())
    return found->second;
  ASTContext &ctx = impl.context();
  std::string name = "__cpplive_closure_" + std::to_string(impl.closure_names.size() + 1);
  TranslationUnitDecl *tu = ctx.getTranslationUnitDecl();
  TypedefDecl *alias = TypedefDecl::Create(ctx, tu, SourceLocation(), SourceLocation(), &ctx.Idents.get(name),
                                           ctx.getTrivialTypeSourceInfo(ctx.getRecordType(closure)));
  tu->addDecl(alias);
  impl.closure_names[closure] = alias;
  return alias;
}

/// `type` with every lambda closure type in it (behind references and
/// pointers) replaced by its typedef, so that it can be spelled.
QualType nameable(Session::Impl &impl, QualType type) {
  ASTContext &ctx = impl.context();
  if (const auto *ref = type->getAs<LValueReferenceType>())
    return ctx.getLValueReferenceType(nameable(impl, ref->getPointeeType()));
  if (const auto *ref = type->getAs<RValueReferenceType>())
    return ctx.getRValueReferenceType(nameable(impl, ref->getPointeeType()));
  if (const auto *pointer = type->getAs<PointerType>())
    return ctx.getQualifiedType(ctx.getPointerType(nameable(impl, pointer->getPointeeType())), type.getLocalQualifiers());
  auto *record = type->getAsCXXRecordDecl();
  if (!record || !record->isLambda())
    return type;
  return ctx.getQualifiedType(ctx.getTypedefType(closure_name(impl, record)), type.getQualifiers());
}

/// Whether the class or enum `type` ends in has a name that a function or
/// variable of its scope hides (`enum foo {}; void foo();`): code must
/// then write it with its keyword (`enum ns::foo`).
bool hidden_tag(ASTContext &ctx, QualType type) {
  QualType bottom = type.getNonReferenceType().getCanonicalType();
  while (const auto *pointer = bottom->getAs<PointerType>())
    bottom = pointer->getPointeeType().getCanonicalType();
  while (const auto *array = ctx.getAsArrayType(bottom))
    bottom = array->getElementType().getCanonicalType();
  const auto *tag = bottom->getAs<TagType>();
  if (!tag || !tag->getDecl()->getDeclName())
    return false;
  TagDecl *decl = tag->getDecl();
  // Only what C++ lets hide a tag: functions, variables, members, enumerators.
  for (NamedDecl *found : decl->getDeclContext()->getRedeclContext()->lookup(decl->getDeclName())) {
    NamedDecl *underlying = found->getUnderlyingDecl();
    if (isa<ValueDecl>(underlying) || isa<FunctionTemplateDecl>(underlying) || isa<VarTemplateDecl>(underlying))
      return true;
  }
  return false;
}

/// How `type` is written in generated code: fully qualified, canonical,
/// except that closure types appear as their typedefs.
std::string spell(Session::Impl &impl, QualType type, bool global_prefix) {
  ASTContext &ctx = impl.context();
  PrintingPolicy pp = policy(ctx);
  QualType canonical = type.getCanonicalType();
  if (hidden_tag(ctx, canonical)) {
    // Printed canonical with its keyword and full scope.
    pp.SuppressTagKeyword = false;
    pp.SuppressScope = false;
    return canonical.getAsString(pp);
  }
  QualType spelled = nameable(impl, canonical);
  if (spelled == canonical)
    return TypeName::getFullyQualifiedName(type, ctx, pp, global_prefix);
  // The only sugar left is the closure typedef, which must be printed.
  pp.PrintCanonicalTypes = false;
  return TypeName::getFullyQualifiedName(spelled, ctx, pp, global_prefix);
}

TypeRecord type_record(Session::Impl &impl, QualType type) {
  ASTContext &ctx = impl.context();
  PrintingPolicy pp = policy(ctx);
  TypeRecord record;
  record.spelling = rust::String(spell(impl, type, /*global_prefix=*/true));
  record.canonical = rust::String(nameable(impl, type.getCanonicalType()) == type.getCanonicalType()
                                      ? type.getCanonicalType().getAsString(pp)
                                      : spell(impl, type, /*global_prefix=*/false));

  QualType bottom = type.getNonReferenceType().getCanonicalType();
  while (true) {
    if (const auto *pointer = bottom->getAs<PointerType>())
      bottom = pointer->getPointeeType().getCanonicalType();
    else if (const auto *array = ctx.getAsArrayType(bottom))
      bottom = array->getElementType().getCanonicalType();
    else
      break;
  }
  if (auto *rd = bottom->getAsCXXRecordDecl()) {
    record.decl = impl.id_of(rd);
    record.decl_kind = 1;
  } else if (const auto *et = bottom->getAs<EnumType>()) {
    record.decl = impl.id_of(et->getDecl());
    record.decl_kind = 2;
  }
  // Typedef names live only in the written type: walk it as written.
  QualType written = type.getNonReferenceType();
  for (int depth = 0; depth < 32; ++depth) {
    if (const auto *td = written->getAs<TypedefType>()) {
      record.aliases.push_back(rust::String(td->getDecl()->getQualifiedNameAsString()));
      written = td->desugar();
    } else if (const auto *pointer = written->getAs<PointerType>()) {
      written = pointer->getPointeeType();
    } else if (const auto *array = ctx.getAsArrayType(written)) {
      written = array->getElementType();
    } else {
      break;
    }
  }
  QualType value_type = type.getNonReferenceType();
  if (!value_type->isVoidType() && !value_type->isDependentType() && !value_type->isFunctionType() &&
      !value_type->isIncompleteType())
    record.size = ctx.getTypeSizeInChars(value_type).getQuantity();
  return record;
}

std::string qualified_name(const NamedDecl *decl) {
  std::string name = "::";
  llvm::raw_string_ostream os(name);
  // Without "(anonymous namespace)": its members are reached through the
  // enclosing scope, as C++ code names them.
  PrintingPolicy pp(decl->getASTContext().getLangOpts());
  pp.SuppressUnwrittenScope = true;
  decl->printQualifiedName(os, pp);
  return os.str();
}

/// Prints names in an expression fully qualified: a default argument is
/// written where the function's own scope is not in view (`Red` in a
/// member function's default becomes `::ns::W::Red`).
class QualifyingPrinter : public PrinterHelper {
public:
  explicit QualifyingPrinter(const PrintingPolicy &policy) : policy(policy) {}

  bool handledStmt(Stmt *statement, raw_ostream &os) override {
    auto *ref = dyn_cast<DeclRefExpr>(statement);
    if (!ref || ref->hasExplicitTemplateArgs())
      return false;
    const ValueDecl *decl = ref->getDecl();
    bool has_scope = isa<EnumConstantDecl>(decl) || isa<FunctionDecl>(decl) ||
                     (isa<VarDecl>(decl) && !cast<VarDecl>(decl)->isLocalVarDeclOrParm());
    if (!has_scope)
      return false;
    os << "::";
    decl->printQualifiedName(os, policy);
    return true;
  }

private:
  const PrintingPolicy &policy;
};

/// A parameter's default argument as C++ text usable anywhere; "" when
/// it has none (or it is not instantiated).
std::string default_text(Session::Impl &impl, const ParmVarDecl *param) {
  if (!param->hasDefaultArg() || param->hasUninstantiatedDefaultArg() || param->hasUnparsedDefaultArg())
    return "";
  const Expr *value = param->getDefaultArg();
  if (!value)
    return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  PrintingPolicy pp = policy(impl.context());
  pp.SuppressScope = false;
  QualifyingPrinter qualify(pp);
  value->printPretty(os, &qualify, pp);
  return os.str();
}

std::string type_spelling(Session::Impl &impl, QualType type) {
  return spell(impl, type, true);
}

std::uint8_t function_kind(const FunctionDecl *fn) {
  if (isa<CXXConstructorDecl>(fn))
    return 3;
  if (isa<CXXDestructorDecl>(fn))
    return 4;
  if (isa<CXXConversionDecl>(fn))
    return 5;
  if (const auto *method = dyn_cast<CXXMethodDecl>(fn))
    return method->isStatic() ? 2 : 1;
  return 0;
}

FunctionRecord function_record(Session::Impl &impl, FunctionDecl *fn) {
  FunctionRecord record;
  record.id = impl.id_of(fn);
  record.kind = function_kind(fn);
  record.name = rust::String(fn->getNameAsString());
  record.qualified =
      rust::String(record.kind == 0 ? qualified_name(fn) : fn->getNameAsString());
  if (const auto *method = dyn_cast<CXXMethodDecl>(fn)) {
    record.is_const = method->isConst();
    record.is_virtual = method->isVirtual();
    record.is_pure = method->isPureVirtual();
    record.access = access_code(method->getAccess());
  } else {
    record.is_const = false;
    record.is_virtual = false;
    record.is_pure = false;
    record.access = 0;
  }
  record.is_deleted = fn->isDeleted();
  // `explicit` constructors (and conversions) take no part in implicit
  // conversions; the rules come from C++ (`explicit(false)` is not).
  record.is_explicit = false;
  if (const auto *ctor = dyn_cast<CXXConstructorDecl>(fn))
    record.is_explicit = ctor->isExplicit();
  else if (const auto *conv = dyn_cast<CXXConversionDecl>(fn))
    record.is_explicit = conv->isExplicit();
  const auto *proto = fn->getType()->getAs<FunctionProtoType>();
  if (proto && isUnresolvedExceptionSpec(proto->getExceptionSpecType()))
    proto = impl.sema().ResolveExceptionSpec(fn->getLocation(), proto);
  record.is_noexcept = proto && !isUnresolvedExceptionSpec(proto->getExceptionSpecType()) && proto->isNothrow();

  if (fn->getReturnType()->isUndeducedType()) {
    impl.diagnostics.clear();
    impl.sema().DeduceReturnType(fn, fn->getLocation(), /*Diagnose=*/false);
  }
  record.ret = type_record(impl, fn->getReturnType());

  std::string signature = record.kind >= 3 && record.kind <= 4
                              ? std::string()
                              : type_spelling(impl, fn->getReturnType()) + " ";
  signature += record.kind == 0 ? qualified_name(fn).substr(2) : fn->getQualifiedNameAsString();
  signature += "(";
  for (unsigned i = 0; i < fn->getNumParams(); ++i) {
    ParmVarDecl *param = fn->getParamDecl(i);
    ParamRecord p;
    p.name = rust::String(param->getNameAsString());
    p.ty = type_record(impl, param->getType());
    p.has_default = param->hasDefaultArg();
    // The default's text, for calls that skip it while giving later
    // parameters by keyword (not available before template instantiation).
    if (p.has_default && !param->hasUninstantiatedDefaultArg() && !param->hasUnparsedDefaultArg())
      p.default_text = rust::String(default_text(impl, param));
    if (i)
      signature += ", ";
    signature += type_spelling(impl, param->getType()).substr(0);
    if (!param->getName().empty())
      signature += " " + param->getNameAsString();
    if (p.has_default)
      signature += " = " + (p.default_text.empty() ? std::string("...") : std::string(p.default_text));
    record.params.push_back(std::move(p));
  }
  signature += ")";
  if (record.is_const)
    signature += " const";
  // Drop the leading "::" of global names; they only matter in generated code.
  // Pointers and references read as C++ code usually writes them ("int* p",
  // "const T&"), not as clang prints them ("int *p").
  std::string readable;
  for (size_t i = 0; i < signature.size(); ++i) {
    if (signature.compare(i, 2, "::") == 0 && (i == 0 || signature[i - 1] == ' ' ||
                                               signature[i - 1] == '(' || signature[i - 1] == '<' ||
                                               signature[i - 1] == ',')) {
      ++i;
      continue;
    }
    if (signature[i] == ' ' && i + 1 < signature.size() && (signature[i + 1] == '*' || signature[i + 1] == '&') &&
        !readable.empty() && readable.back() != ',' && readable.back() != '(' && readable.back() != '=')
      continue;
    readable += signature[i];
  }
  record.signature = rust::String(readable);
  return record;
}

DeclRecord decl_record(Session::Impl &impl, NamedDecl *decl) {
  DeclRecord record;
  record.id = 0;
  record.kind = 0;
  record.value = 0;
  record.name = rust::String(decl->getNameAsString());
  record.qualified = rust::String(qualified_name(decl));
  record.access = isa<CXXRecordDecl>(decl->getDeclContext()) ? access_code(decl->getAccess()) : 0;
  decl = decl->getUnderlyingDecl();

  if (auto *alias = dyn_cast<NamespaceAliasDecl>(decl))
    decl = alias->getNamespace();
  if (auto *ns = dyn_cast<NamespaceDecl>(decl)) {
    record.kind = kNamespace;
    record.id = impl.id_of(ns);
  } else if (auto *typedef_decl = dyn_cast<TypedefNameDecl>(decl)) {
    QualType type = typedef_decl->getUnderlyingType().getCanonicalType();
    if (auto *rd = type->getAsCXXRecordDecl()) {
      record.kind = kClass;
      record.id = impl.id_of(rd);
    } else if (const auto *et = type->getAs<EnumType>()) {
      record.kind = kEnum;
      record.id = impl.id_of(et->getDecl());
    } else {
      record.kind = kTypedef;
      record.id = impl.id_of(typedef_decl);
    }
    record.ty = type_record(impl, typedef_decl->getUnderlyingType());
  } else if (auto *rd = dyn_cast<CXXRecordDecl>(decl)) {
    record.kind = kClass;
    record.id = impl.id_of(rd);
    record.qualified = rust::String(type_spelling(impl, impl.context().getRecordType(rd)));
  } else if (auto *ed = dyn_cast<EnumDecl>(decl)) {
    record.kind = kEnum;
    record.id = impl.id_of(ed);
  } else if (auto *ctd = dyn_cast<ClassTemplateDecl>(decl)) {
    record.kind = kClassTemplate;
    record.id = impl.id_of(ctd);
  } else if (auto *alias = dyn_cast<TypeAliasTemplateDecl>(decl)) {
    // `template<class T> using V = std::vector<T>;`: subscripted like a
    // class template, its instantiations resolve to what they alias.
    record.kind = kClassTemplate;
    record.id = impl.id_of(alias);
  } else if (auto *ftd = dyn_cast<FunctionTemplateDecl>(decl)) {
    record.kind = kFunctionTemplate;
    record.id = impl.id_of(ftd);
  } else if (auto *fn = dyn_cast<FunctionDecl>(decl)) {
    record.kind = kFunction;
    record.id = impl.id_of(fn);
  } else if (auto *var = dyn_cast<VarDecl>(decl)) {
    record.kind = kVariable;
    record.id = impl.id_of(var);
    record.ty = type_record(impl, var->getType());
  } else if (auto *field = dyn_cast<FieldDecl>(decl)) {
    record.kind = kField;
    record.id = impl.id_of(field);
    record.ty = type_record(impl, field->getType());
  } else if (auto *constant = dyn_cast<EnumConstantDecl>(decl)) {
    record.kind = kEnumerator;
    record.id = impl.id_of(constant);
    const llvm::APSInt &value = constant->getInitVal();
    record.value = value.isSigned() ? value.getSExtValue() : static_cast<std::int64_t>(value.getZExtValue());
    record.ty = type_record(impl, impl.context().getEnumType(cast<EnumDecl>(constant->getDeclContext())));
  }
  return record;
}

/// For `std::shared_ptr<T>` / `std::unique_ptr<T, D>` with a class `T`: the
/// id of `T`; 0 for anything else.
std::uint64_t smart_pointee(Session::Impl &impl, CXXRecordDecl *record) {
  auto *spec = dyn_cast<ClassTemplateSpecializationDecl>(record);
  if (!spec || !spec->isInStdNamespace())
    return 0;
  llvm::StringRef name = spec->getName();
  if (name != "shared_ptr" && name != "unique_ptr")
    return 0;
  const TemplateArgumentList &args = spec->getTemplateArgs();
  if (args.size() == 0 || args[0].getKind() != TemplateArgument::Type)
    return 0;
  CXXRecordDecl *pointee = args[0].getAsType()->getAsCXXRecordDecl();
  return pointee ? impl.id_of(pointee) : 0;
}

/// For `std::function<R(A...)>` (not variadic): the signature `R(A...)`.
const FunctionProtoType *std_function_signature(CXXRecordDecl *record) {
  auto *spec = dyn_cast<ClassTemplateSpecializationDecl>(record);
  if (!spec || !spec->isInStdNamespace() || spec->getName() != "function")
    return nullptr;
  const TemplateArgumentList &args = spec->getTemplateArgs();
  if (args.size() != 1 || args[0].getKind() != TemplateArgument::Type)
    return nullptr;
  const auto *signature = args[0].getAsType()->getAs<FunctionProtoType>();
  return signature && !signature->isVariadic() ? signature : nullptr;
}

/// The complete definition of class `scope`; fails for other declarations
/// and for classes that cannot be completed.
CXXRecordDecl *class_definition(Session::Impl &impl, std::uint64_t scope) {
  auto *rd = dyn_cast<CXXRecordDecl>(impl.decl_of(scope));
  if (!rd)
    fail("declaration " + std::to_string(scope) + " is not a class");
  CXXRecordDecl *def = complete_record(impl, rd);
  if (!def)
    fail("class '" + qualified_name(rd).substr(2) + "' is incomplete");
  return def;
}

} // namespace

DeclContext *lookup_context(Session::Impl &impl, std::uint64_t scope) {
  Decl *decl = impl.decl_of(scope);
  if (auto *rd = dyn_cast<CXXRecordDecl>(decl)) {
    CXXRecordDecl *def = complete_record(impl, rd);
    if (!def)
      fail("class '" + qualified_name(rd).substr(2) + "' is incomplete");
    return def;
  }
  if (auto *ed = dyn_cast<EnumDecl>(decl))
    return ed->getDefinition() ? ed->getDefinition() : ed;
  return impl.context_of(scope);
}

namespace {

// `name` as a declaration name: an identifier, or an operator function's
// name when spelled `operator<symbol>`.
DeclarationName member_name(ASTContext &ctx, const std::string &name) {
  llvm::StringRef text(name);
  if (text.consume_front("operator")) {
    text = text.trim();
    for (int kind = OO_None + 1; kind < NUM_OVERLOADED_OPERATORS; ++kind) {
      auto op = static_cast<OverloadedOperatorKind>(kind);
      const char *spelling = getOperatorSpelling(op);
      if (spelling && text == spelling)
        return ctx.DeclarationNames.getCXXOperatorName(op);
    }
  }
  return DeclarationName(&ctx.Idents.get(name));
}

void lookup_into(Session::Impl &impl, std::uint64_t scope, llvm::StringRef name, LookupResult &result) {
  DeclContext *context = lookup_context(impl, scope);
  // Reflection sees every member; access is reported in the records, not
  // diagnosed (a diagnostic here would fail the next incremental parse).
  result.suppressDiagnostics();
  impl.sema().LookupQualifiedName(result, context);
}

} // namespace

rust::Vec<DeclRecord> Session::lookup(std::uint64_t scope, rust::Str name) {
  rust::Vec<DeclRecord> records;
  std::string text(name);
  LookupResult result(impl->sema(), member_name(impl->context(), text), SourceLocation(), Sema::LookupOrdinaryName);
  lookup_into(*impl, scope, text, result);
  for (NamedDecl *decl : result)
    records.push_back(decl_record(*impl, decl));
  return records;
}

rust::Vec<FunctionRecord> Session::functions(std::uint64_t scope, rust::Str name) {
  rust::Vec<FunctionRecord> records;
  std::string text(name);
  LookupResult result(impl->sema(), member_name(impl->context(), text), SourceLocation(), Sema::LookupOrdinaryName);
  lookup_into(*impl, scope, text, result);
  for (NamedDecl *decl : result)
    if (auto *fn = dyn_cast<FunctionDecl>(decl->getUnderlyingDecl()))
      records.push_back(function_record(*impl, fn));
  return records;
}

ScopeRecord Session::scope_info(std::uint64_t scope) {
  Decl *decl = impl->decl_of(scope);
  ScopeRecord record;
  record.id = scope;
  record.kind = 0;
  record.size = 0;
  record.is_complete = true;
  record.is_abstract = false;
  record.is_polymorphic = false;
  record.is_aggregate = false;
  record.is_scoped_enum = false;
  record.smart_pointee = 0;
  record.is_std_function = false;
  record.is_complex = false;
  if (auto *named = dyn_cast<NamedDecl>(decl)) {
    record.name = rust::String(named->getNameAsString());
    record.qualified = rust::String(qualified_name(named));
  }
  if (isa<TranslationUnitDecl>(decl) || isa<NamespaceDecl>(decl)) {
    record.kind = kNamespace;
  } else if (auto *rd = dyn_cast<CXXRecordDecl>(decl)) {
    record.kind = kClass;
    record.qualified = rust::String(type_spelling(*impl, impl->context().getRecordType(rd)));
    CXXRecordDecl *def = complete_record(*impl, rd);
    record.is_complete = def != nullptr && !def->isInvalidDecl();
    if (record.is_complete) {
      const ASTRecordLayout &layout = impl->context().getASTRecordLayout(def);
      record.size = layout.getSize().getQuantity();
      record.is_abstract = def->isAbstract();
      record.is_polymorphic = def->isPolymorphic();
      // C++20 rule: any user-declared constructor (even deleted) rules it out.
      record.is_aggregate = def->isAggregate() && !def->hasUserDeclaredConstructor();
      record.smart_pointee = smart_pointee(*impl, def);
      if (auto *spec = dyn_cast<ClassTemplateSpecializationDecl>(def);
          spec && spec->isInStdNamespace() && spec->getName() == "complex" && spec->getTemplateArgs().size() == 1 &&
          spec->getTemplateArgs()[0].getKind() == TemplateArgument::Type) {
        record.is_complex = true;
        record.complex_part = type_record(*impl, spec->getTemplateArgs()[0].getAsType());
      }
      if (const FunctionProtoType *signature = std_function_signature(def)) {
        record.is_std_function = true;
        record.function_ret = type_record(*impl, signature->getReturnType());
        for (QualType param : signature->getParamTypes())
          record.function_params.push_back(type_record(*impl, param));
      }
      for (const CXXBaseSpecifier &base : def->bases()) {
        auto *base_decl = base.getType()->getAsCXXRecordDecl();
        if (!base_decl)
          continue;
        BaseRecord b;
        b.id = impl->id_of(base_decl);
        b.is_virtual = base.isVirtual();
        b.offset = base.isVirtual() ? 0 : layout.getBaseClassOffset(base_decl->getDefinition()).getQuantity();
        b.access = access_code(base.getAccessSpecifier());
        record.bases.push_back(b);
      }
    }
  } else if (auto *ed = dyn_cast<EnumDecl>(decl)) {
    record.kind = kEnum;
    record.is_scoped_enum = ed->isScoped();
    EnumDecl *def = ed->getDefinition();
    record.is_complete = def != nullptr;
    if (def) {
      record.underlying = type_record(*impl, def->getIntegerType());
      record.size = record.underlying.size;
    }
  } else {
    fail("declaration " + std::to_string(scope) + " is not a scope");
  }
  return record;
}

rust::Vec<FunctionRecord> Session::methods(std::uint64_t scope) {
  rust::Vec<FunctionRecord> records;
  CXXRecordDecl *def = class_definition(*impl, scope);
  impl->sema().ForceDeclarationOfImplicitMembers(def);
  for (CXXMethodDecl *method : def->methods()) {
    if (method->isDependentContext() || method->isInvalidDecl())
      continue;
    records.push_back(function_record(*impl, method));
  }
  // Members a using-declaration brings from a base (`using Base::f;`,
  // inherited constructors `using Base::Base;`): called through this class
  // as C++ would, with the access of the using-declaration. A member this
  // class declares itself with the same signature hides the base's.
  for (Decl *member : def->decls()) {
    auto *shadow = dyn_cast<UsingShadowDecl>(member);
    if (!shadow)
      continue;
    auto *method = dyn_cast<CXXMethodDecl>(shadow->getTargetDecl());
    if (!method || method->isDependentContext() || method->isInvalidDecl() || method->isDeleted())
      continue;
    if (auto *ctor = dyn_cast<CXXConstructorDecl>(method))
      if (ctor->isCopyOrMoveConstructor())
        continue;
    bool hidden = false;
    for (CXXMethodDecl *own : def->methods())
      if (own->getDeclName() == method->getDeclName() && !isa<CXXConstructorDecl>(own) &&
          impl->context().hasSameType(own->getType(), method->getType()))
        hidden = true;
    if (hidden)
      continue;
    FunctionRecord record = function_record(*impl, method);
    // Its own id: thunks are per id, and this one casts to this class.
    record.id = impl->id_of(shadow);
    record.access = access_code(shadow->getAccess());
    if (isa<CXXConstructorDecl>(method)) {
      record.name = rust::String(def->getNameAsString());
      // An inherited constructor constructs this class: its signature
      // says so (`D::D(int n = 13)`, not the base's name).
      std::string signature(record.signature);
      std::string base_name = method->getQualifiedNameAsString();
      size_t at = signature.find(base_name);
      if (at != std::string::npos)
        signature.replace(at, base_name.size(), def->getQualifiedNameAsString() + "::" + def->getNameAsString());
      record.signature = rust::String(signature);
    }
    records.push_back(std::move(record));
  }
  return records;
}

rust::Vec<rust::String> Session::default_arguments(std::uint64_t function) {
  Decl *decl = impl->decl_of(function);
  if (auto *shadow = dyn_cast<UsingShadowDecl>(decl))
    decl = shadow->getTargetDecl();
  auto *fn = dyn_cast_or_null<FunctionDecl>(decl);
  if (!fn)
    fail("declaration " + std::to_string(function) + " is not a function");
  rust::Vec<rust::String> texts;
  for (ParmVarDecl *param : fn->parameters()) {
    if (param->hasUninstantiatedDefaultArg()) {
      // Instantiates the default (as a call that omits it would).
      Sema::SFINAETrap trap(impl->sema());
      ExprResult made = impl->sema().BuildCXXDefaultArgExpr(SourceLocation(), fn, param);
      if (made.isInvalid() || trap.hasErrorOccurred()) {
        impl->diagnostics.clear();
        texts.push_back(rust::String());
        continue;
      }
    }
    texts.push_back(rust::String(default_text(*impl, param)));
  }
  return texts;
}

rust::Vec<rust::String> Session::method_templates(std::uint64_t scope) {
  rust::Vec<rust::String> names;
  CXXRecordDecl *def = class_definition(*impl, scope);
  std::set<std::string> seen;
  for (Decl *member : def->decls()) {
    // A base's member template brought in by `using Base::f;` is offered
    // as this class's own, with the using-declaration's access.
    auto *shadow = dyn_cast<UsingShadowDecl>(member);
    auto *tmpl = dyn_cast<FunctionTemplateDecl>(shadow ? shadow->getTargetDecl() : member);
    if (!tmpl || (shadow ? shadow->getAccess() : tmpl->getAccess()) != AS_public)
      continue;
    // Named as C++ names them: `f`, `operator[]`, and a constructor by the
    // class's own name (`X::X`). Conversion templates have no name a call
    // could give (their target type is deduced from the context).
    DeclarationName name = tmpl->getDeclName();
    std::string text;
    switch (name.getNameKind()) {
    case DeclarationName::Identifier:
    case DeclarationName::CXXOperatorName:
      text = name.getAsString();
      break;
    case DeclarationName::CXXConstructorName:
      text = def->getNameAsString();
      break;
    default:
      continue;
    }
    if (seen.insert(text).second)
      names.push_back(rust::String(text));
  }
  return names;
}

rust::Vec<FieldRecord> Session::fields(std::uint64_t scope) {
  rust::Vec<FieldRecord> records;
  CXXRecordDecl *def = class_definition(*impl, scope);
  ASTContext &ctx = impl->context();
  std::string class_spelling = type_spelling(*impl, ctx.getRecordType(def));
  // `field` as this class names it: itself, or the member of an anonymous
  // union or struct that is one of this class's (`obj.b` in C++), at the
  // sum of the offsets along its chain.
  auto non_static = [&](FieldRecord &record, FieldDecl *field, ValueDecl *named) {
    record.is_static = false;
    record.bit_width = field->isBitField() ? field->getBitWidthValue(ctx) : 0;
    record.offset = field->isBitField() ? 0 : ctx.getFieldOffset(named) / ctx.getCharWidth();
    record.name = rust::String(named->getNameAsString());
    record.ty = type_record(*impl, field->getType());
    record.access = access_code(named->getAccess());
  };
  for (Decl *member : def->decls()) {
    FieldRecord record;
    if (auto *field = dyn_cast<FieldDecl>(member)) {
      if (field->isAnonymousStructOrUnion() || field->getName().empty())
        continue;
      non_static(record, field, field);
    } else if (auto *indirect = dyn_cast<IndirectFieldDecl>(member)) {
      FieldDecl *field = indirect->getAnonField();
      if (!field || field->getName().empty())
        continue;
      non_static(record, field, indirect);
    } else if (auto *var = dyn_cast<VarDecl>(member)) {
      record.is_static = true;
      record.bit_width = 0;
      record.offset = 0;
      record.name = rust::String(var->getNameAsString());
      record.ty = type_record(*impl, var->getType());
      record.access = access_code(var->getAccess());
    } else {
      continue;
    }
    record.qualified = rust::String(class_spelling + "::" + std::string(record.name));
    records.push_back(std::move(record));
  }
  return records;
}

rust::Vec<EnumeratorRecord> Session::enumerators(std::uint64_t scope) {
  rust::Vec<EnumeratorRecord> records;
  auto *ed = dyn_cast<EnumDecl>(impl->decl_of(scope));
  // An opaque declaration with a fixed underlying type (`enum class byte :
  // unsigned char;`) is a complete type whose values have no names.
  if (ed && !ed->getDefinition() && ed->isFixed())
    return records;
  if (!ed || !ed->getDefinition())
    fail("declaration " + std::to_string(scope) + " is not a complete enum");
  for (EnumConstantDecl *constant : ed->getDefinition()->enumerators()) {
    const llvm::APSInt &value = constant->getInitVal();
    records.push_back(EnumeratorRecord{
        rust::String(constant->getNameAsString()),
        value.isSigned() ? value.getSExtValue() : static_cast<std::int64_t>(value.getZExtValue())});
  }
  return records;
}

QualType Session::Impl::resolve(const std::string &spelling) {
  return resolve_in(context().getTranslationUnitDecl(), spelling);
}

QualType Session::Impl::resolve_in(DeclContext *where, const std::string &spelling) {
  // Names are looked up as C++ looks them up in code written in the
  // innermost named namespace enclosing `where` (a class cannot be
  // reopened to hold the alias; anonymous and inline namespaces are seen
  // from their parent anyway).
  auto *ns = dyn_cast<NamespaceDecl>(where);
  for (DeclContext *dc = where; dc && !ns; dc = dc->getParent())
    ns = dyn_cast<NamespaceDecl>(dc);
  while (ns && (ns->isAnonymousNamespace() || ns->isInline()))
    ns = dyn_cast<NamespaceDecl>(ns->getParent());
  std::string opening, closing;
  for (NamespaceDecl *n = ns; n; n = dyn_cast<NamespaceDecl>(n->getParent())) {
    opening = "namespace " + n->getNameAsString() + " { " + opening;
    closing += " }";
  }
  DeclContext *target = ns ? static_cast<DeclContext *>(ns) : context().getTranslationUnitDecl();
  std::string key = (ns ? ns->getQualifiedNameAsString() + "\n" : std::string()) + spelling;
  auto cached = resolved_types.find(key);
  if (cached != resolved_types.end())
    return QualType::getFromOpaquePtr(cached->second);
  std::string alias = "__cpplive_type_" + std::to_string(++type_counter);
  std::string code = opening + "using " + alias + " = " + spelling + ";" + closing;
  // A spelling the user wrote may not name a type; failed input inside a
  // namespace can leave it half-registered for later inputs, so it is
  // tried in a forked copy first (see guard.cpp).
  if (ns && guarding_allowed && diagnostics_fd < 0)
    dry_run(*this, code);
  declare(code);
  LookupResult result(sema(), DeclarationName(&context().Idents.get(alias)), SourceLocation(),
                      Sema::LookupOrdinaryName);
  result.suppressDiagnostics();
  sema().LookupQualifiedName(result, target);
  auto *typedef_decl = result.getAsSingle<TypedefNameDecl>();
  if (!typedef_decl)
    fail("'" + spelling + "' does not name a type");
  QualType type = typedef_decl->getUnderlyingType();
  if (auto *rd = type->getAsCXXRecordDecl())
    if (!complete_record(*this, rd))
      fail("'" + spelling + "' is an incomplete type\n" + take_diagnostics());
  resolved_types[key] = type.getAsOpaquePtr();
  return type;
}

TypeRecord Session::resolve_type(rust::Str spelling) {
  return type_record(*impl, impl->resolve(std::string(spelling)));
}

rust::Vec<FunctionRecord> Session::instantiate_function(std::uint64_t scope, rust::Str name,
                                                        rust::Slice<const rust::String> explicit_args,
                                                        rust::Slice<const rust::String> arg_types) {
  Sema &sema = impl->sema();
  ASTContext &ctx = impl->context();
  std::string text(name);
  llvm::SmallVector<NamedDecl *, 8> candidates;
  auto *record_scope = dyn_cast<CXXRecordDecl>(lookup_context(*impl, scope));
  if (record_scope && record_scope->getDefinition() && text == record_scope->getNameAsString()) {
    // The class's own name: its constructors.
    for (NamedDecl *ctor : sema.LookupConstructors(record_scope->getDefinition()))
      candidates.push_back(ctor);
  } else {
    LookupResult result(sema, member_name(ctx, text), SourceLocation(), Sema::LookupOrdinaryName);
    lookup_into(*impl, scope, text, result);
    candidates.append(result.begin(), result.end());
  }

  TemplateArgumentListInfo explicit_list;
  for (const rust::String &arg : explicit_args) {
    std::string spelling(arg);
    char *end = nullptr;
    long long number = std::strtoll(spelling.c_str(), &end, 10);
    bool is_number = !spelling.empty() && end && *end == '\0';
    if (is_number || spelling == "true" || spelling == "false") {
      QualType type = is_number ? ctx.LongLongTy : ctx.BoolTy;
      llvm::APInt value(ctx.getTypeSize(type), is_number ? number : (spelling == "true"), /*isSigned=*/true);
      Expr *literal = is_number ? static_cast<Expr *>(IntegerLiteral::Create(ctx, value, type, SourceLocation()))
                                : static_cast<Expr *>(new (ctx) CXXBoolLiteralExpr(spelling == "true", type, SourceLocation()));
      explicit_list.addArgument(TemplateArgumentLoc(TemplateArgument(literal), literal));
    } else {
      // Spelled as if written where the template is declared, as C++ reads
      // `ns::f<X>()` from inside `ns` (cppyy's rule; a class object
      // passed from Python arrives fully qualified).
      QualType type = impl->resolve_in(lookup_context(*impl, scope), spelling);
      explicit_list.addArgument(TemplateArgumentLoc(TemplateArgument(type), ctx.getTrivialTypeSourceInfo(type)));
    }
  }

  llvm::SmallVector<Expr *, 8> args;
  for (const rust::String &arg : arg_types) {
    QualType type = impl->resolve(std::string(arg));
    // An existing object is an lvalue; `T&&` stands for a temporary the
    // call makes from a Python value (a `str` for `std::string`), which a
    // forwarding reference must deduce as C++ deduces a prvalue; other
    // values are prvalues.
    ExprValueKind kind = type->isRValueReferenceType()                ? VK_XValue
                         : type.getNonReferenceType()->isRecordType() ? VK_LValue
                                                                      : VK_PRValue;
    // Allocated in the AST context's arena, like every expression.
    args.push_back(new (ctx) OpaqueValueExpr(SourceLocation(), type.getNonReferenceType(), kind));
  }

  rust::Vec<FunctionRecord> records;
  std::string failures;
  for (NamedDecl *decl : candidates) {
    auto *tmpl = dyn_cast<FunctionTemplateDecl>(decl->getUnderlyingDecl());
    if (!tmpl)
      continue;
    FunctionDecl *specialization = nullptr;
    sema::TemplateDeductionInfo info{SourceLocation()};
    Sema::SFINAETrap trap(sema);
    TemplateDeductionResult outcome = sema.DeduceTemplateArguments(
        tmpl, explicit_args.empty() ? nullptr : &explicit_list, args, specialization, info,
        /*PartialOverloading=*/false, /*AggregateDeductionCandidate=*/false, QualType(), Expr::Classification(),
        [](ArrayRef<QualType>) { return false; });
    if (outcome != TemplateDeductionResult::Success && arg_types.empty() && !explicit_args.empty()) {
      // No argument types: the explicit template arguments alone name the
      // specialization (its arguments are then converted to its parameters).
      sema::TemplateDeductionInfo alone{SourceLocation()};
      specialization = nullptr;
      outcome = sema.DeduceTemplateArguments(tmpl, &explicit_list, specialization, alone);
    }
    if (outcome != TemplateDeductionResult::Success || !specialization || trap.hasErrorOccurred())
      continue;
    FunctionRecord record = function_record(*impl, specialization);
    if (const TemplateArgumentList *targs = specialization->getTemplateSpecializationArgs()) {
      std::string with_args(record.qualified);
      llvm::raw_string_ostream os(with_args);
      printTemplateArgumentList(os, targs->asArray(), policy(ctx));
      record.qualified = rust::String(os.str());
    }
    records.push_back(std::move(record));
  }
  impl->diagnostics.clear();
  return records;
}

} // namespace cpplive
