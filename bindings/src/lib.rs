//! `cpplive._cpplive`: the compiled half of the Python package. Module
//! registration only; each concept lives in its own file.

mod api;
mod buffer;
mod callback;
mod callable;
mod clang_library;
mod convert;
mod datamember;
mod dictionary;
mod errors;
mod execute;
mod fastcall;
mod fnpointer;
mod instance;
mod interactive;
mod longdouble;
mod lowlevel;
mod overload;
mod pinning;
mod registry;
mod runtime;
mod signals;
mod smallint;
mod sync;
mod typelookup;

use pyo3::prelude::*;

// The object model relies on the GIL (see sync.rs): a free-threaded
// interpreter enables it when the module is imported.
#[pymodule(gil_used = true)]
fn _cpplive(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // First, so that interpreter creation overlaps the rest of the import.
    if std::env::var_os("CPPLIVE_NO_WARMUP").is_none() {
        runtime::warm_up();
    }
    callable::install(py)?;
    datamember::install(py);
    m.add_class::<instance::CppObject>()?;
    m.add_class::<dictionary::DictionaryDraft>()?;
    m.add_class::<instance::CppExceptionObject>()?;
    instance::install(py)?;
    m.add_class::<callable::CppFunction>()?;
    m.add_class::<callable::CppMethod>()?;
    m.add_class::<datamember::DataMember>()?;
    m.add_class::<lowlevel::LowLevelView>()?;
    m.add("CppException", py.get_type::<errors::CppException>())?;
    m.add("LinkError", py.get_type::<errors::LinkError>())?;
    m.add("FatalError", py.get_type::<errors::FatalError>())?;
    m.add("SegmentationViolation", py.get_type::<errors::SegmentationViolation>())?;
    m.add("BusError", py.get_type::<errors::BusError>())?;
    m.add("IllegalInstruction", py.get_type::<errors::IllegalInstruction>())?;
    m.add("AbortSignal", py.get_type::<errors::AbortSignal>())?;
    m.add("FloatingPointException", errors::floating_point_exception(py))?;
    m.add("OutOfRangeError", errors::out_of_range_type(py))?;
    m.add("NotMovedError", errors::not_moved_type(py))?;
    // Ids from here up are dictionaries' (`ids::owner`).
    m.add("FIRST_DICTIONARY_ID", cpplive_core::ids::dictionary_base(0))?;
    m.add_function(wrap_pyfunction!(signals::set_signals_as_exception, m)?)?;
    m.add_function(wrap_pyfunction!(interactive::input_mark, m)?)?;
    m.add_function(wrap_pyfunction!(interactive::shadow, m)?)?;
    m.add_function(wrap_pyfunction!(interactive::undo_inputs, m)?)?;
    m.add("nullptr", instance::nullptr(py).clone_ref(py))?;
    m.add("default", instance::default_value(py).clone_ref(py))?;
    m.add_function(wrap_pyfunction!(api::cppdef, m)?)?;
    m.add_function(wrap_pyfunction!(api::cppdef_helper, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary::load_dictionary, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary::dictionary_only, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary::no_clang_reason, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary::loaded_dictionaries, m)?)?;
    m.add_function(wrap_pyfunction!(dictionary::generate_dictionary, m)?)?;
    m.add_function(wrap_pyfunction!(api::deleted_in_cpp, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::warm_up, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::wait_warm_up, m)?)?;
    m.add_function(wrap_pyfunction!(api::method_from_function, m)?)?;
    m.add_function(wrap_pyfunction!(api::with_template, m)?)?;
    m.add_function(wrap_pyfunction!(api::make_multi_dispatcher, m)?)?;
    m.add_function(wrap_pyfunction!(api::with_fallback, m)?)?;
    m.add_function(wrap_pyfunction!(api::string_text, m)?)?;
    m.add_function(wrap_pyfunction!(api::elementwise, m)?)?;
    m.add_function(wrap_pyfunction!(api::keep_alive, m)?)?;
    m.add_function(wrap_pyfunction!(api::object_view, m)?)?;
    m.add_function(wrap_pyfunction!(api::overload_names, m)?)?;
    m.add_function(wrap_pyfunction!(api::method_templates, m)?)?;
    m.add_function(wrap_pyfunction!(api::make_dispatcher, m)?)?;
    m.add_function(wrap_pyfunction!(errors::set_exception_types, m)?)?;
    m.add_function(wrap_pyfunction!(api::include, m)?)?;
    m.add_function(wrap_pyfunction!(api::add_include_path, m)?)?;
    m.add_function(wrap_pyfunction!(api::load_library, m)?)?;
    m.add_function(wrap_pyfunction!(api::set_compiler_args, m)?)?;
    m.add_function(wrap_pyfunction!(api::set_class_factory, m)?)?;
    m.add_function(wrap_pyfunction!(api::register_class, m)?)?;
    m.add_function(wrap_pyfunction!(api::lookup, m)?)?;
    m.add_function(wrap_pyfunction!(api::scope_info, m)?)?;
    m.add_function(wrap_pyfunction!(api::class_members, m)?)?;
    m.add_function(wrap_pyfunction!(api::enumerators, m)?)?;
    m.add_function(wrap_pyfunction!(api::member_names, m)?)?;
    m.add_function(wrap_pyfunction!(api::declarations, m)?)?;
    m.add_function(wrap_pyfunction!(api::resolve_type, m)?)?;
    m.add_function(wrap_pyfunction!(api::instantiate_function, m)?)?;
    m.add_function(wrap_pyfunction!(api::sizeof_scope, m)?)?;
    m.add_function(wrap_pyfunction!(api::sizeof_builtin, m)?)?;
    m.add_function(wrap_pyfunction!(api::addressof, m)?)?;
    m.add_function(wrap_pyfunction!(api::bind_object, m)?)?;
    m.add_function(wrap_pyfunction!(api::mark_rvalue, m)?)?;
    m.add_function(wrap_pyfunction!(api::hand_to, m)?)?;
    m.add_function(wrap_pyfunction!(api::held_object, m)?)?;
    m.add_function(wrap_pyfunction!(api::declaration_generation, m)?)?;
    m.add_function(wrap_pyfunction!(pinning::pin_type, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
