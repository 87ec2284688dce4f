//! The one bridge to the C++ shim. Records are plain data; the session is
//! opaque. Every function returns `Result`: a C++ throw becomes an `Err` with
//! the text of clang's diagnostics, never an unwinding across the boundary.

#[cxx::bridge(namespace = "cpplive")]
pub mod bridge {
    /// A type as clang sees it: `spelling` names it in generated code,
    /// `canonical` is what `cpplive_core::typename` parses.
    #[derive(Debug, Clone, Default)]
    pub struct TypeRecord {
        pub spelling: String,
        pub canonical: String,
        /// Id of the class or enum at the bottom of pointers and references, or 0.
        pub decl: u64,
        /// 0 none, 1 class, 2 enum.
        pub decl_kind: u8,
        /// Size in bytes of the (non-reference) type when complete, else 0.
        pub size: u64,
        /// The typedef names met from the written type down to its base
        /// through pointers and arrays, outermost first (`int8_t`,
        /// `__int8_t` for an `int8_t*`).
        pub aliases: Vec<String>,
    }

    #[derive(Debug, Clone)]
    pub struct DeclRecord {
        pub id: u64,
        /// See `cpplive_core::model::EntityKind::from_code`.
        pub kind: u8,
        pub name: String,
        /// Fully qualified name usable in generated code (with leading `::`).
        pub qualified: String,
        /// The value of an enumerator; for typedefs of non-class types unused.
        pub value: i64,
        /// For typedefs of non-class types and for variables: their type.
        pub ty: TypeRecord,
        /// 0 public, 1 protected, 2 private (class members; 0 elsewhere).
        pub access: u8,
    }

    #[derive(Debug, Clone)]
    pub struct ParamRecord {
        pub name: String,
        pub ty: TypeRecord,
        pub has_default: bool,
        /// The default argument as C++ source, when it can be printed.
        pub default_text: String,
    }

    #[derive(Debug, Clone)]
    pub struct FunctionRecord {
        pub id: u64,
        pub name: String,
        /// How generated code names the function: `::ns::f`, or a method name.
        pub qualified: String,
        /// 0 free, 1 method, 2 static method, 3 constructor, 4 destructor,
        /// 5 conversion operator.
        pub kind: u8,
        pub is_const: bool,
        pub is_virtual: bool,
        pub is_pure: bool,
        pub is_deleted: bool,
        pub is_noexcept: bool,
        pub is_explicit: bool,
        /// 0 public, 1 protected, 2 private.
        pub access: u8,
        pub ret: TypeRecord,
        pub params: Vec<ParamRecord>,
        /// Readable signature for error messages and `__doc__`.
        pub signature: String,
    }

    #[derive(Debug, Clone)]
    pub struct FieldRecord {
        pub name: String,
        pub qualified: String,
        pub ty: TypeRecord,
        pub offset: u64,
        pub is_static: bool,
        pub access: u8,
        /// Width of a bit-field, 0 for other members.
        pub bit_width: u32,
    }

    #[derive(Debug, Clone)]
    pub struct EnumeratorRecord {
        pub name: String,
        pub value: i64,
    }

    #[derive(Debug, Clone)]
    pub struct BaseRecord {
        pub id: u64,
        pub offset: u64,
        pub is_virtual: bool,
        pub access: u8,
    }

    #[derive(Debug, Clone)]
    pub struct ScopeRecord {
        pub id: u64,
        pub kind: u8,
        pub name: String,
        pub qualified: String,
        pub size: u64,
        pub is_complete: bool,
        pub is_abstract: bool,
        pub is_polymorphic: bool,
        pub is_aggregate: bool,
        pub bases: Vec<BaseRecord>,
        /// For enums: the underlying integer type.
        pub underlying: TypeRecord,
        pub is_scoped_enum: bool,
        /// The pointee class of a standard smart pointer, 0 otherwise.
        pub smart_pointee: u64,
        /// For `std::function<R(A...)>`: R and the A's.
        pub is_std_function: bool,
        pub function_ret: TypeRecord,
        pub function_params: Vec<TypeRecord>,
        /// For `std::complex<T>`: T.
        pub is_complex: bool,
        pub complex_part: TypeRecord,
    }

    /// A name a scope declares (see `Session::member_names`).
    #[derive(Debug, Clone)]
    pub struct MemberNameRecord {
        pub name: String,
        /// Whether some declaration of the name is public (always, outside classes).
        pub is_public: bool,
    }

    /// A declaration a namespace holds (see `Session::declarations`).
    #[derive(Debug, Clone)]
    pub struct DeclaredRecord {
        pub name: String,
        pub qualified: String,
        /// `cpplive_core::model::DeclaredKind::from_code`.
        pub kind: u8,
        /// The file the declaration is written in ("" for none).
        pub file: String,
    }

    /// What a parsed module defines (exported) and needs from elsewhere.
    #[derive(Debug, Clone, Default)]
    pub struct ModuleSymbols {
        pub defined: Vec<String>,
        pub undefined: Vec<String>,
        /// The defined symbols of which there can be only one (not
        /// inline, not a template instantiation).
        pub unique: Vec<String>,
    }

    /// A module of definitions emitted on request: its handle (0 when
    /// nothing could be emitted) and the names it defines.
    #[derive(Debug, Clone, Default)]
    pub struct EmittedDefinitions {
        pub ptu: u64,
        pub names: Vec<String>,
    }

    /// An object the JIT compiled, named by its module.
    pub struct CompiledObject {
        pub module: String,
        pub object: UniquePtr<CxxString>,
    }

    unsafe extern "C++" {
        include!("cpplive-clang/shim/session.h");

        type Session;

        fn new_session(args: &[String]) -> Result<UniquePtr<Session>>;
        /// A symbol as C++ source names it (the name itself when it is not mangled).
        fn demangle(name: &str) -> String;
        fn parse(self: Pin<&mut Session>, code: &str, guarded: bool) -> Result<u64>;
        fn execute(self: Pin<&mut Session>, ptu: u64) -> Result<()>;
        fn allow_guarding(self: Pin<&mut Session>, allowed: bool) -> Result<()>;
        /// C++ access checks on or off for the inputs parsed from now on.
        fn set_access_checks(self: Pin<&mut Session>, on: bool) -> Result<()>;
        /// Clang's warnings on the user inputs accepted since the last call.
        fn take_warnings(self: Pin<&mut Session>) -> Result<String>;
        /// Remembers accepted dry runs in `dir` ("" for nowhere), see verdicts.cpp.
        fn remember_verdicts(self: Pin<&mut Session>, dir: &str) -> Result<()>;
        fn module_symbols(self: &Session, ptu: u64) -> Result<ModuleSymbols>;
        fn emit_definitions(self: Pin<&mut Session>, names: &[String]) -> Result<EmittedDefinitions>;
        /// Why symbol `name` may not be linked, or "": it is, or its code
        /// needs, a template specialization whose instantiation failed;
        /// "<that specialization>\n<its first error>".
        fn refusal(self: &Session, name: &str) -> Result<String>;
        /// Removes refused definitions from a module (see link.cpp).
        fn strip_refused(self: Pin<&mut Session>, ptu: u64) -> Result<()>;
        fn bridge_thread_local(self: Pin<&mut Session>, name: &str) -> Result<()>;
        fn unclosed_bracket(self: &Session, code: &str) -> Result<String>;
        fn input_mark(self: &Session) -> Result<u64>;
        fn shadow(self: Pin<&mut Session>, ns: &str) -> Result<Vec<String>>;
        fn undo_inputs(self: Pin<&mut Session>, mark: u64) -> Result<Vec<String>>;
        /// Compiled code reused across runs (see shim/codecache.cpp): the
        /// key of a parsed module's unoptimized IR mixed with `salt` (""
        /// once optimized), its name, an object of an earlier run to link
        /// in its place, and the objects the JIT compiled since the last
        /// call (kept only after `keep_objects(true)`).
        fn code_key(self: &Session, ptu: u64, salt: &str) -> Result<String>;
        fn module_name(self: &Session, ptu: u64) -> Result<String>;
        fn reuse_object(self: Pin<&mut Session>, ptu: u64, object: &[u8]) -> Result<()>;
        fn keep_objects(self: Pin<&mut Session>, keep: bool) -> Result<()>;
        fn take_compiled(self: &Session) -> Result<Vec<CompiledObject>>;
        fn add_include_path(self: Pin<&mut Session>, dir: &str) -> Result<()>;
        fn load_library(self: Pin<&mut Session>, path: &str) -> Result<()>;
        fn symbol_address(self: &Session, name: &str) -> Result<u64>;

        fn lookup(self: Pin<&mut Session>, scope: u64, name: &str) -> Result<Vec<DeclRecord>>;
        fn scope_info(self: Pin<&mut Session>, scope: u64) -> Result<ScopeRecord>;
        fn methods(self: Pin<&mut Session>, scope: u64) -> Result<Vec<FunctionRecord>>;
        fn method_templates(self: Pin<&mut Session>, scope: u64) -> Result<Vec<String>>;
        fn default_arguments(self: Pin<&mut Session>, function: u64) -> Result<Vec<String>>;
        fn fields(self: Pin<&mut Session>, scope: u64) -> Result<Vec<FieldRecord>>;
        fn enumerators(self: Pin<&mut Session>, scope: u64) -> Result<Vec<EnumeratorRecord>>;
        fn member_names(self: Pin<&mut Session>, scope: u64) -> Result<Vec<MemberNameRecord>>;
        fn declarations(self: Pin<&mut Session>, scope: u64) -> Result<Vec<DeclaredRecord>>;
        fn functions(self: Pin<&mut Session>, scope: u64, name: &str) -> Result<Vec<FunctionRecord>>;
        fn resolve_type(self: Pin<&mut Session>, spelling: &str) -> Result<TypeRecord>;
        fn instantiate_function(
            self: Pin<&mut Session>,
            scope: u64,
            name: &str,
            explicit_args: &[String],
            arg_types: &[String],
        ) -> Result<Vec<FunctionRecord>>;
    }
}
