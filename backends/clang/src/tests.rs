//! Backend tests through the trait, in one process-wide interpreter.

use super::*;
use cpplive_core::model::Entity;
use std::sync::Mutex;

static BACKEND: Mutex<Option<ClangBackend>> = Mutex::new(None);

fn with_backend<R>(f: impl FnOnce(&mut ClangBackend) -> R) -> R {
    let mut guard = BACKEND.lock().unwrap_or_else(|e| e.into_inner());
    let backend = guard.get_or_insert_with(|| ClangBackend::new(&ClangOptions::default()).expect("interpreter"));
    f(backend)
}

#[test]
fn declares_and_calls_a_function_through_its_thunk() {
    with_backend(|b| {
        b.declare("namespace t1 { int twice(int x) { return 2 * x; } }").unwrap();
        let Some(Entity::Namespace(ns)) = b.lookup(ScopeId::GLOBAL, "t1").unwrap() else { panic!("namespace") };
        let Some(Entity::Functions(fs)) = b.lookup(ns, "twice").unwrap() else { panic!("function") };
        assert_eq!(fs.len(), 1);
        let thunk = b.call_thunks(&[&fs[0]]).unwrap().remove(0).unwrap();
        let mut arg: i32 = 21;
        let mut args = [&mut arg as *mut i32 as *mut std::ffi::c_void];
        let mut ret: i32 = 0;
        let mut err = cpplive_core::thunk::ThunkError::default();
        let rc = unsafe {
            thunk(std::ptr::null_mut(), 1, args.as_mut_ptr(), &mut ret as *mut i32 as *mut _, &mut err)
        };
        assert_eq!(rc, 0);
        assert_eq!(ret, 42);
    });
}

#[test]
fn syntax_errors_carry_diagnostics_and_leave_the_interpreter_usable() {
    with_backend(|b| {
        let err = b.declare("int t2_broken( {").unwrap_err();
        assert!(err.to_string().contains("error"), "{err}");
        b.declare("int t2_fine() { return 1; }").unwrap();
        assert!(b.lookup(ScopeId::GLOBAL, "t2_fine").unwrap().is_some());
    });
}

#[test]
fn instantiates_class_templates_and_lists_members() {
    with_backend(|b| {
        b.declare("template<class T> struct T3Box { T value; T get() const { return value; } };").unwrap();
        let t = b.resolve_type("T3Box<double>").unwrap();
        let class = ScopeId(t.class_id().expect("class"));
        let info = b.scope(class).unwrap();
        assert_eq!(info.size, 8);
        let methods = b.methods(class).unwrap();
        assert!(methods.iter().any(|m| m.name == "get" && m.is_const));
        let fields = b.fields(class).unwrap();
        assert_eq!(fields[0].name, "value");
    });
}

#[test]
fn upcast_through_a_virtual_base_reads_the_offset_from_the_object() {
    with_backend(|b| {
        b.declare(
            "namespace t9 { struct V { int v = 5; virtual ~V() {} }; struct A : virtual V { int a = 1; };
             struct B : virtual V { int b = 2; }; struct D : A, B { int d = 3; };
             D* made = new D; V* made_as_v = made; }",
        )
        .unwrap();
        let Some(Entity::Namespace(ns)) = b.lookup(ScopeId::GLOBAL, "t9").unwrap() else { panic!("namespace") };
        let Some(Entity::Class(d)) = b.lookup(ns, "D").unwrap() else { panic!("class D") };
        let Some(Entity::Class(v)) = b.lookup(ns, "V").unwrap() else { panic!("class V") };
        let read_pointer = |b: &mut ClangBackend, name: &str| unsafe { *(b.variable_address(name).unwrap()() as *const *mut std::ffi::c_void) };
        let object = read_pointer(b, "t9::made");
        let expected = read_pointer(b, "t9::made_as_v");
        assert_ne!(object, expected, "V is not at the start of D");
        let upcast = b.upcast(d, v).unwrap();
        assert_eq!(unsafe { upcast(object) }, expected);
    });
}

#[test]
fn names_shared_by_templates_and_functions_report_both() {
    with_backend(|b| {
        b.declare(
            "namespace t10 { int pick(int) { return 1; } template<class T> int pick(T, T) { return 2; }
             template<class T> T only(T x) { return x; }
             struct C { int m(int) { return 0; } template<class T> T m(T, T) { return T(); }
                        template<class T> static T s(T x) { return x; } template<class T> C(T) {}
                        template<class T> bool operator==(T) const { return true; } private: template<class T> void hidden(T) {} }; }",
        )
        .unwrap();
        let Some(Entity::Namespace(ns)) = b.lookup(ScopeId::GLOBAL, "t10").unwrap() else { panic!("namespace") };
        let Some(Entity::FunctionTemplate { overloads, .. }) = b.lookup(ns, "pick").unwrap() else { panic!("pick") };
        assert_eq!(overloads.len(), 1);
        assert_eq!(overloads[0].params.len(), 1);
        let Some(Entity::FunctionTemplate { overloads, .. }) = b.lookup(ns, "only").unwrap() else { panic!("only") };
        assert!(overloads.is_empty());
        let Some(Entity::Class(c)) = b.lookup(ns, "C").unwrap() else { panic!("class C") };
        let mut names = b.method_templates(c).unwrap();
        names.sort();
        // Constructor templates by the class's name, operator templates by
        // their operator name; the private one is not listed.
        assert_eq!(names, vec!["C".to_string(), "m".to_string(), "operator==".to_string(), "s".to_string()]);
    });
}

#[test]
fn standard_smart_pointers_name_their_pointee() {
    with_backend(|b| {
        b.declare(
            "#include <memory>\nnamespace t11 { struct P { int v = 3; }; using S = std::shared_ptr<P>; using U = std::unique_ptr<P>;
             using I = std::shared_ptr<int>; S made = std::make_shared<P>(); }",
        )
        .unwrap();
        let Some(Entity::Namespace(ns)) = b.lookup(ScopeId::GLOBAL, "t11").unwrap() else { panic!("namespace") };
        let Some(Entity::Class(p)) = b.lookup(ns, "P").unwrap() else { panic!("class P") };
        for alias in ["S", "U"] {
            let Some(Entity::Class(smart)) = b.lookup(ns, alias).unwrap() else { panic!("class {alias}") };
            assert_eq!(b.scope(smart).unwrap().smart_pointee, Some(p), "{alias}");
        }
        let Some(Entity::Class(of_int)) = b.lookup(ns, "I").unwrap() else { panic!("class I") };
        assert_eq!(b.scope(of_int).unwrap().smart_pointee, None);
        assert_eq!(b.scope(p).unwrap().smart_pointee, None);
        let Some(Entity::Class(shared)) = b.lookup(ns, "S").unwrap() else { panic!("class S") };
        let get = b.smart_get(shared).unwrap();
        let made = b.variable_address("t11::made").unwrap();
        let pointee = unsafe { get(made()) };
        assert_eq!(unsafe { *(pointee as *const i32) }, 3);
    });
}

#[test]
fn std_function_reports_its_signature() {
    with_backend(|b| {
        b.declare("#include <functional>\n#include <string>\nnamespace t12 { using F = std::function<int(double, const std::string&)>; struct NotF {}; }").unwrap();
        let Some(Entity::Namespace(ns)) = b.lookup(ScopeId::GLOBAL, "t12").unwrap() else { panic!("namespace") };
        let Some(Entity::Class(f)) = b.lookup(ns, "F").unwrap() else { panic!("class F") };
        let signature = b.scope(f).unwrap().std_function.clone().expect("signature");
        assert_eq!(signature.ret.builtin(), Some(cpplive_core::types::Builtin::Int));
        assert_eq!(signature.params.len(), 2);
        assert_eq!(signature.params[0].builtin(), Some(cpplive_core::types::Builtin::Double));
        assert_eq!(signature.params[1].base, cpplive_core::types::TypeBase::StdString);
        let Some(Entity::Class(other)) = b.lookup(ns, "NotF").unwrap() else { panic!("class NotF") };
        assert!(b.scope(other).unwrap().std_function.is_none());
        b.function_maker(f).expect("maker compiles");
    });
}

#[test]
fn lambda_closure_types_get_a_usable_name() {
    with_backend(|b| {
        b.declare("namespace t13 { auto twice = [](int a) { return 2 * a; }; }").unwrap();
        let ty = b.resolve_type("decltype(t13::twice)").unwrap();
        assert!(ty.spelling.contains("__cpplive_closure_"), "{ty:?}");
        assert!(ty.class_id().is_some(), "{ty:?}");
    });
}

#[test]
fn member_names_list_what_a_scope_declares() {
    with_backend(|b| {
        b.declare(
            "namespace t14 { struct K { int field; void method(); static int s; enum E { Red }; private: int hidden; }; \
             int f(int); int f(double); int v; enum class C { A }; typedef int T; template<class X> struct Tm {}; \
             template<class X> X g(X); namespace inner {} inline namespace v1 { int in_inline; } \
             namespace { int in_anonymous; } int __reserved; struct _Reserved {}; }",
        )
        .unwrap();
        let Some(Entity::Namespace(ns)) = b.lookup(ScopeId::GLOBAL, "t14").unwrap() else { panic!("namespace") };
        let names = b.member_names(ns).unwrap();
        for name in ["C", "K", "T", "Tm", "f", "g", "in_anonymous", "in_inline", "inner", "v", "v1"] {
            assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with('_')), "{names:?}");
        assert_eq!(names.iter().filter(|n| *n == "f").count(), 1, "{names:?}");
        let Some(Entity::Class(k)) = b.lookup(ns, "K").unwrap() else { panic!("class") };
        let members = b.member_names(k).unwrap();
        assert_eq!(members, ["E", "Red", "field", "method", "s"], "{members:?}");
        assert!(b.member_names(ScopeId::GLOBAL).unwrap().iter().any(|n| n == "t14"));
    });
}
