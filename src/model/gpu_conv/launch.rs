//! The kernel of `conv3x3.wgsl` on burn's WebGPU backend, as a backend extension (burn book,
//! "Backend extension"): the model calls [`conv3x3`] with its tensors, burn's `Dispatch` hands
//! the device's own buffers to [`GpuConvOps`], and cubecl launches the WGSL as written (its
//! wgpu runtime takes precompiled WGSL and derives the binding layout from the shader).

use burn::backend::tensor::FloatTensor;
use burn::backend::{Dispatch, backend_extension};
use burn::tensor::{DType, Shape, Tensor};
use burn_cubecl::CubeBackend;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;
use cubecl::server::KernelArguments;
use cubecl::{CubeKernel, PrecompiledSource, ir::UIntKind, ir::metadata::Info};

use super::Variant;

/// The folded convolutions on the WebGPU device.
#[backend_extension(Cube: cfg(all(target_family = "wasm", feature = "webgpu")))]
pub trait GpuConvOps: burn::backend::Backend {
    /// `conv(relu?(input)) + bias`. Shapes: input `[B, cin, H, W]`, weight `[cout, cin, 3, 3]`,
    /// bias `[cout]` -> `[B, cout, H, W]`.
    fn conv3x3(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu_input: bool,
    ) -> FloatTensor<Self>;

    /// The same plus `residual` (`[B, cout, H, W]`).
    fn conv3x3_residual(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        residual: FloatTensor<Self>,
        relu_input: bool,
    ) -> FloatTensor<Self>;
}

/// `conv(relu?(x)) + bias (+ residual)` on the WebGPU device, in one pass.
///
/// # Shapes
/// `[B, in, H, W]`, weight `[out, in, 3, 3]`, bias `[out]` (and residual `[B, out, H, W]`)
/// `-> [B, out, H, W]`
pub fn conv3x3(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Tensor<1>,
    relu_input: bool,
    residual: Option<Tensor<4>>,
) -> Tensor<4> {
    let out = match residual {
        None => Dispatch::conv3x3(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            relu_input,
        ),
        Some(r) => Dispatch::conv3x3_residual(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            r.into_dispatch(),
            relu_input,
        ),
    };
    Tensor::from_dispatch(out)
}

/// One variant's WGSL, for cubecl's kernel cache and launch.
struct Conv3x3Kernel(Variant);

impl Conv3x3Kernel {
    fn cube_dim(&self) -> CubeDim {
        let (x, y) = self.0.invocations();
        CubeDim::new_2d(x, y)
    }
}

impl KernelMetadata for Conv3x3Kernel {
    fn id(&self) -> KernelId {
        KernelId::new::<Self>()
            .info(self.0)
            .cube_dim(self.cube_dim().0)
    }

    fn address_type(&self) -> ElemType {
        UIntKind::U32.into()
    }
}

impl CubeKernel for Conv3x3Kernel {
    fn define(&self) -> KernelDefinition {
        // Precompiled: the definition only keys the cache; the source below is the kernel.
        let settings =
            KernelSettings::new(self.cube_dim().0, ExecutionMode::Checked, AddressType::U32);
        KernelDefinition {
            body: Scope::root(settings.clone()),
            settings,
            info: Info::default(),
        }
    }

    fn source(&self) -> Option<PrecompiledSource> {
        Some(PrecompiledSource {
            source: self.0.source(),
            entrypoint_name: "main".to_string(),
            lang: "wgsl",
        })
    }
}

fn dims(t: &CubeTensor, what: &str) -> [usize; 4] {
    let s = t.meta.shape();
    assert_eq!(s.num_dims(), 4, "the convolution's {what} must be 4-d");
    [s[0], s[1], s[2], s[3]]
}

fn run(
    input: CubeTensor,
    weight: CubeTensor,
    bias: CubeTensor,
    residual: Option<CubeTensor>,
    relu_input: bool,
) -> CubeTensor {
    assert_eq!(
        input.dtype,
        DType::F32,
        "the WebGPU convolution runs on f32 maps"
    );
    let [batch, cin, h, w] = dims(&input, "input");
    let [cout, wcin, kh, kw] = dims(&weight, "kernel");
    assert!(
        wcin == cin && kh == 3 && kw == 3,
        "a [{cout}, {wcin}, {kh}, {kw}] kernel on {cin} channels"
    );
    let input = into_contiguous(input);
    let weight = into_contiguous(weight);
    let bias = into_contiguous(bias);
    let residual = residual.map(into_contiguous);

    let variant = Variant::new(cin, cout, h, w, relu_input, residual.is_some());
    let shape = Shape::from([batch, cout, h, w]);
    let handle = input
        .client
        .empty(shape.num_elements() * core::mem::size_of::<f32>());
    let output = CubeTensor::new_contiguous(
        input.client.clone(),
        input.device.clone(),
        shape,
        handle,
        DType::F32,
    );

    let mut args = KernelArguments::new()
        .with_buffer(input.handle.clone().binding())
        .with_buffer(weight.handle.clone().binding())
        .with_buffer(bias.handle.clone().binding());
    if let Some(r) = &residual {
        args = args.with_buffer(r.handle.clone().binding());
    }
    args = args.with_buffer(output.handle.clone().binding());
    let (x, y, z) = variant.workgroups(batch);
    output.client.launch(
        Box::new(Conv3x3Kernel(variant)),
        CubeCount::Static(x, y, z),
        args,
    );
    output
}

impl GpuConvOps for CubeBackend {
    fn conv3x3(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu_input: bool,
    ) -> FloatTensor<Self> {
        run(input, weight, bias, None, relu_input)
    }

    fn conv3x3_residual(
        input: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        residual: FloatTensor<Self>,
        relu_input: bool,
    ) -> FloatTensor<Self> {
        run(input, weight, bias, Some(residual), relu_input)
    }
}
