//! Attaching our collector thread to the JVM as a *daemon* thread.
//!
//! Why raw JNI: jni 0.22 only offers a non-daemon permanent attach, and a non-daemon thread keeps the JVM
//! from exiting after `main` returns. So we call `AttachCurrentThreadAsDaemon` ourselves; jni-rs then sees
//! the thread as attached and only wraps it. We detach explicitly before the thread ends (no TLS destructor).

use std::ffi::{c_void, CStr};
use std::ptr;

use jni::sys::{JavaVMAttachArgs, JNI_OK, JNI_VERSION_1_8};
use jni::JavaVM;

pub fn attach_as_daemon(vm: &JavaVM, name: &CStr) -> Result<(), String> {
    let raw = vm.get_raw();
    let mut env: *mut c_void = ptr::null_mut();
    let mut args = JavaVMAttachArgs {
        version: JNI_VERSION_1_8,
        name: name.as_ptr() as *mut _,
        group: ptr::null_mut(),
    };
    // SAFETY: `raw` is the live JavaVM that loaded us; the invocation table is valid for the VM's lifetime, and
    // `args` outlives the call.
    let rc = unsafe { ((**raw).v1_4.AttachCurrentThreadAsDaemon)(raw, &mut env, &mut args as *mut _ as *mut c_void) };
    if rc == JNI_OK {
        Ok(())
    } else {
        Err(format!("AttachCurrentThreadAsDaemon failed with JNI code {rc}"))
    }
}

pub fn detach(vm: &JavaVM) {
    let raw = vm.get_raw();
    // SAFETY: called on a thread we attached, after every local and global reference it used is released.
    unsafe {
        ((**raw).v1_1.DetachCurrentThread)(raw);
    }
}
