//! The process's memory allocator: jemalloc with a single arena, for every binary that links the
//! library (`ducha`, `ducha-bench`, the tests).
//!
//! Why not glibc's malloc: a build is typst laying out documents on one thread per core, millions
//! of small allocations freed on other threads than made them. With glibc, the threads' arenas
//! shared a lock (most of a city-sized build's futex calls were inside malloc), and the peak
//! memory depended on which threads happened to share an arena: 155 MB in one run, 182 MB in the
//! next, for the same plan. jemalloc's per-thread caches take the lock off the hot path, and with
//! one arena memory freed by one thread is reused by the next: the city-sized build (issue 22 §8)
//! is about 6 % faster and its peak stays within a megabyte or two from run to run (README,
//! benchmark section).
//!
//! Why one arena: on the benchmark's machines (2 cores) two arenas or the default (four per core)
//! were no faster and held 1–6 MB more; the per-thread caches already serve most requests without
//! the arena's locks, and a server's request threads are few.

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options as a C string (`opt:value,…`), read once when the allocator starts, before
/// `main`. The environment variable `_RJEM_MALLOC_CONF` is read after it and can override it when
/// measuring.
#[cfg(not(target_env = "msvc"))]
#[export_name = "_rjem_malloc_conf"]
#[used]
pub static MALLOC_CONF: Options = Options(c"narenas:1,thp:never".as_ptr());

/// A pointer to a NUL-terminated C string of jemalloc options, laid out as the `const char *`
/// jemalloc declares.
#[repr(transparent)]
pub struct Options(*const std::ffi::c_char);

// SAFETY: the pointer is to a string literal, immutable for the life of the process.
unsafe impl Sync for Options {}

/// The allocator's option `opt.NAME`, as jemalloc reports it after start (`None` where the system
/// allocator is in use or the option is unknown).
pub fn option_u32(name: &str) -> Option<u32> {
    #[cfg(not(target_env = "msvc"))]
    {
        let key = std::ffi::CString::new(format!("opt.{name}")).ok()?;
        let mut value: u32 = 0;
        let mut len = std::mem::size_of::<u32>();
        // SAFETY: `key` is NUL-terminated; `value` and `len` are valid for writes and `len` is
        // the size of `value`, as mallctl requires for reading an `unsigned` option.
        let rc = unsafe {
            tikv_jemalloc_sys::mallctl(key.as_ptr(), (&mut value as *mut u32).cast(), &mut len, std::ptr::null_mut(), 0)
        };
        (rc == 0 && len == std::mem::size_of::<u32>()).then_some(value)
    }
    #[cfg(target_env = "msvc")]
    {
        let _ = name;
        None
    }
}

#[cfg(all(test, not(target_env = "msvc")))]
mod tests {
    use super::option_u32;

    #[test]
    fn jemalloc_runs_with_the_options_compiled_in() {
        // The options reach jemalloc only if the linker kept the exported `_rjem_malloc_conf`;
        // jemalloc's own default would be four arenas per core. (A `_RJEM_MALLOC_CONF` in the
        // environment could override it; the test run sets none.)
        assert_eq!(option_u32("narenas"), Some(1));
        assert_eq!(option_u32("no such option"), None);
    }
}
