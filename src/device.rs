//! The one place that picks a compute device.

use burn::tensor::Device;

/// The pure-Rust CPU device; works on every target.
pub fn cpu() -> Device {
    Device::flex()
}

/// A native GPU through wgpu (Vulkan, Metal or DX12), if this build has the `gpu` feature.
#[cfg(not(target_family = "wasm"))]
pub fn native_gpu() -> Result<Device, String> {
    #[cfg(feature = "gpu")]
    {
        Device::wgpu_options()
            .init()
            .map_err(|e| format!("no usable GPU adapter: {e}"))
    }
    #[cfg(not(feature = "gpu"))]
    {
        Err("this binary was built without GPU support; rebuild with `--features gpu`".into())
    }
}

/// WebGPU if the browser offers a working adapter, else `Err` with the reason. The device
/// starts once per wasm instance (cubecl refuses to register its runtime twice); later calls
/// get the same device.
#[cfg(all(target_family = "wasm", feature = "webgpu"))]
pub async fn webgpu() -> Result<Device, String> {
    thread_local! {
        static STARTED: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(device) = STARTED.with_borrow(Clone::clone) {
        return Ok(device);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("{e}"))?;
    STARTED.set(Some(device.clone()));
    Ok(device)
}

/// The page's CPU module (page-cpu/) has no WebGPU backend: the page loads it only for the CPU.
#[cfg(all(target_family = "wasm", not(feature = "webgpu")))]
pub async fn webgpu() -> Result<Device, String> {
    Err("this wasm module was built without WebGPU (the page's CPU module)".into())
}
