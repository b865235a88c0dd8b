//! Tensor data back on the host: the one read-back path of the CLI, the trainer, the
//! attribute fit, the page and the tests.

use burn::tensor::Tensor;

use super::InferenceError;

/// A tensor's values as f32, in row-major order.
pub async fn values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, InferenceError> {
    let data = t
        .into_data_async()
        .await
        .map_err(|e| InferenceError::ReadBack(format!("{e:?}")))?;
    data.convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| InferenceError::ReadBack(format!("{e:?}")))
}

/// [`values`], waited for (native only: a browser cannot block).
#[cfg(not(target_family = "wasm"))]
pub fn values_now<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, InferenceError> {
    block_on(values(t))
}

/// Runs `future` to its end on this thread, parking while it waits.
#[cfg(not(target_family = "wasm"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
