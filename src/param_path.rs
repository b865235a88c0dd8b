//! Visiting and mapping a module's float parameters together with their dotted paths
//! (`scales.0.couplings.1.net.output.g`). The path is the tensor's name in the weight file
//! and the seed of its stable parameter id, so loaders, the trainer and the benchmark all
//! walk the model this way; burn's visitor traits only report one module name at a time.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;

/// Reads each float parameter with its path.
pub trait PathVisitor {
    fn visit_float<const D: usize>(&mut self, path: &str, param: &Param<Tensor<D>>);
}

/// Replaces each float parameter, knowing its path.
pub trait PathMapper {
    fn map_float<const D: usize>(
        &mut self,
        path: &str,
        param: Param<Tensor<D>>,
    ) -> Param<Tensor<D>>;
}

pub fn visit_with_paths<M: Module, V: PathVisitor>(module: &M, visitor: &mut V) {
    module.visit(&mut WithPath::new(visitor));
}

pub fn map_with_paths<M: Module, P: PathMapper>(module: M, mapper: &mut P) -> M {
    module.map(&mut WithPath::new(mapper))
}

/// The last component of a dotted path (`g` for `...output.g`).
pub fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

struct WithPath<'a, T> {
    names: Vec<String>,
    inner: &'a mut T,
}

impl<'a, T> WithPath<'a, T> {
    fn new(inner: &'a mut T) -> Self {
        Self {
            names: Vec::new(),
            inner,
        }
    }
}

impl<T: PathVisitor> ModuleVisitor for WithPath<'_, T> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.names.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.names.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.inner.visit_float(&self.names.join("."), param);
    }
}

impl<T: PathMapper> ModuleMapper for WithPath<'_, T> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.names.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.names.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.names.join(".");
        self.inner.map_float(&path, param)
    }
}
