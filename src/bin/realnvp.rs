//! `realnvp`: train, sample, interpolate, score and evaluate Real NVP face models.

#[cfg(target_family = "wasm")]
fn main() {}

#[cfg(not(target_family = "wasm"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_family = "wasm"))]
#[path = "realnvp/edit.rs"]
mod edit;

#[cfg(not(target_family = "wasm"))]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    use anyhow::{Context, Result, bail};
    use burn::tensor::{Device, Tensor};
    use clap::{Args, Parser, Subcommand, ValueEnum};
    use realnvp::heatmap;
    use realnvp::image::{ModelInput, from_values, grid, model_input, scored_input, to_tensor};
    use realnvp::limits::{check_faces, check_steps, check_temperature};
    use realnvp::model::interpolate::interpolate_latents;
    use realnvp::model::{BitsMap, Likelihood};
    use realnvp::train::{TrainOptions, TrainingConfig, data, train};
    use realnvp::{RealNvp, RealNvpConfig};

    use super::edit;

    /// The shipped model, relative to the working directory or to this source tree.
    const DEFAULT_WEIGHTS: &str = "model-weights/faces64.safetensors";

    #[derive(Parser)]
    #[command(
        name = "realnvp",
        version,
        about = "Real NVP normalizing flow for faces: train, sample, interpolate, score"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum Backend {
        /// Pure-Rust CPU backend (works everywhere).
        Cpu,
        /// GPU through wgpu (needs a build with `--features gpu`).
        Gpu,
    }

    /// The architecture of a new model (`train`, `bench`); see `RealNvpConfig`.
    #[derive(Args)]
    struct ModelArgs {
        /// Side of the square images, in pixels.
        #[arg(long, default_value_t = 32)]
        image_size: usize,
        /// Scales of the multi-scale architecture.
        #[arg(long, default_value_t = 3)]
        num_scales: usize,
        /// Channels of the coupling ResNets.
        #[arg(long, default_value_t = 32)]
        width: usize,
        /// Residual blocks per coupling ResNet.
        #[arg(long, default_value_t = 2)]
        blocks: usize,
    }

    impl ModelArgs {
        fn config(&self) -> Result<RealNvpConfig> {
            let config = RealNvpConfig::new()
                .with_image_size(self.image_size)
                .with_num_scales(self.num_scales)
                .with_width(self.width)
                .with_blocks(self.blocks);
            config.validate().map_err(anyhow::Error::msg)?;
            Ok(config)
        }
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a model on a folder of images (JPEG/PNG, searched recursively).
        Train {
            /// Image folder.
            #[arg(long, default_value = "../shared/data/faces")]
            data: PathBuf,
            /// Output folder: checkpoint, log, sample grids, final weights.
            #[arg(long, default_value = "runs/train")]
            out: PathBuf,
            /// Decoded-image cache folder.
            #[arg(long, default_value = "runs/cache")]
            cache: PathBuf,
            /// Continue from the checkpoint in --out.
            #[arg(long)]
            resume: bool,
            #[command(flatten)]
            model: ModelArgs,
            #[arg(long, default_value_t = 64)]
            batch_size: usize,
            #[arg(long, default_value_t = 1e-3)]
            lr: f64,
            #[arg(long, default_value_t = 10)]
            epochs: usize,
            #[arg(long, default_value_t = 0)]
            seed: u64,
            /// Stop with a checkpoint after this many steps in this run.
            #[arg(long)]
            max_steps: Option<usize>,
            /// Stop with a checkpoint after this many minutes in this run.
            #[arg(long)]
            max_minutes: Option<f64>,
            /// Use only the first N training images.
            #[arg(long)]
            limit: Option<usize>,
            #[arg(long, value_enum, default_value_t = Backend::Cpu)]
            backend: Backend,
            /// No progress bar.
            #[arg(long)]
            quiet: bool,
        },
        /// Write a grid of sampled faces.
        Sample {
            #[arg(long)]
            weights: Option<PathBuf>,
            #[arg(long, default_value_t = 64)]
            n: usize,
            #[arg(long, default_value_t = 0.7)]
            temperature: f32,
            #[arg(long, default_value_t = 1)]
            seed: u64,
            #[arg(long, default_value = "samples.png")]
            out: PathBuf,
            #[arg(long, value_enum, default_value_t = Backend::Cpu)]
            backend: Backend,
        },
        /// Interpolate in latent space (all scales) between four corners.
        Interpolate {
            #[arg(long)]
            weights: Option<PathBuf>,
            /// Four image files, or `seed:N` for a sampled face.
            #[arg(long, num_args = 4, required = true)]
            corners: Vec<String>,
            #[arg(long, default_value_t = 8)]
            steps: usize,
            /// Temperature of `seed:N` corners.
            #[arg(long, default_value_t = 0.7)]
            temperature: f32,
            #[arg(long, default_value = "interpolation.png")]
            out: PathBuf,
            #[arg(long, value_enum, default_value_t = Backend::Cpu)]
            backend: Backend,
        },
        /// Bits/dim of each image after the shared preprocessing.
        Score {
            #[arg(long)]
            weights: Option<PathBuf>,
            /// One JSON object per line.
            #[arg(long)]
            json: bool,
            /// Add "bits_map" to each JSON line: bits per pixel position (size x size, its
            /// three sub-pixels together), summing to bits/dim x 3 x size^2.
            #[arg(long, requires = "json")]
            bits_map: bool,
            /// Write the crop beside its bits map (with a colour scale) to this PNG; one file only.
            #[arg(long, value_name = "PNG")]
            heatmap: Option<PathBuf>,
            #[arg(required = true)]
            files: Vec<PathBuf>,
            #[arg(long, value_enum, default_value_t = Backend::Cpu)]
            backend: Backend,
        },
        /// Throughput (images/s) of training, scoring and sampling, one JSON line.
        Bench {
            #[command(flatten)]
            model: ModelArgs,
            #[arg(long, default_value_t = 64)]
            batch: usize,
            /// Seconds of timed training steps (scoring and sampling get half each).
            #[arg(long, default_value_t = 10.0)]
            seconds: f64,
            #[arg(long, default_value_t = 2)]
            warmup: usize,
            #[arg(long, value_enum, default_value_t = Backend::Cpu)]
            backend: Backend,
            /// CPU threads (default: every core; also RAYON_NUM_THREADS).
            #[arg(long)]
            threads: Option<usize>,
            /// Score and sample without folding the weight norm (as in training), to measure
            /// what folding buys.
            #[arg(long)]
            unfolded: bool,
            /// Time scoring and sampling only (training steps are slow on a CPU).
            #[arg(long)]
            inference_only: bool,
            /// Keep burn-flex's conv2d on the CPU instead of the model's own CPU convolution
            /// (to measure what it buys).
            #[arg(long)]
            burn_conv: bool,
        },
        /// Fit the age and gender directions on UTKFace's labelled training images and
        /// check them on its validation images.
        AttributesFit {
            #[arg(long)]
            weights: Option<PathBuf>,
            #[arg(long, default_value = "../shared/data/faces")]
            data: PathBuf,
            /// Where to write the directions.
            #[arg(long, default_value = "model-weights/attributes.safetensors")]
            out: PathBuf,
            /// At most this many images of each split (evenly spaced).
            #[arg(long, default_value_t = 3000)]
            limit: usize,
            /// Also write grids of edits of validation faces, `<stem>_<attribute>.png`.
            #[arg(long)]
            grid: Option<PathBuf>,
            /// Also write the directions' description and the check as JSON.
            #[arg(long)]
            report: Option<PathBuf>,
            /// No progress bars.
            #[arg(long)]
            quiet: bool,
        },
        /// Each photo's coordinates along the attribute directions (standardised: 0 is the
        /// training images' mean, 1 their standard deviation).
        Attributes {
            #[arg(long)]
            weights: Option<PathBuf>,
            /// Default: attributes.safetensors beside the weight file.
            #[arg(long)]
            attributes: Option<PathBuf>,
            /// One JSON object per line.
            #[arg(long)]
            json: bool,
            #[arg(required = true)]
            files: Vec<PathBuf>,
        },
        /// A strip of a photo's centred square edited along one attribute.
        Edit {
            photo: PathBuf,
            #[arg(long)]
            weights: Option<PathBuf>,
            #[arg(long)]
            attributes: Option<PathBuf>,
            /// `age` (towards older) or `gender` (from label 0 towards label 1).
            #[arg(long)]
            attribute: String,
            /// Comma-separated amounts, in typical shifts (0 gives the photo back).
            #[arg(
                long,
                value_delimiter = ',',
                allow_hyphen_values = true,
                default_value = "-2,-1,0,1,2"
            )]
            amounts: Vec<f32>,
            #[arg(long, default_value = "edit.png")]
            out: PathBuf,
        },
        /// Mean bits/dim over a split of an image folder, beside PNG and lossless WebP.
        Evaluate {
            #[arg(long)]
            weights: Option<PathBuf>,
            #[arg(long, default_value = "../shared/data/faces")]
            data: PathBuf,
            #[arg(long, default_value = "runs/cache")]
            cache: PathBuf,
            #[arg(long, value_enum, default_value_t = Split::Val)]
            split: Split,
            /// Use only the first N images of the split.
            #[arg(long)]
            limit: Option<usize>,
            #[arg(long, value_enum, default_value_t = Backend::Cpu)]
            backend: Backend,
        },
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum Split {
        Train,
        Val,
    }

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match run(cli.command) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        }
    }

    fn device(backend: Backend) -> Result<Device> {
        match backend {
            Backend::Cpu => Ok(realnvp::device::cpu()),
            Backend::Gpu => realnvp::device::native_gpu().map_err(anyhow::Error::msg),
        }
    }

    fn weights_path(given: Option<PathBuf>) -> Result<PathBuf> {
        if let Some(path) = given {
            return Ok(path);
        }
        let local = PathBuf::from(DEFAULT_WEIGHTS);
        if local.is_file() {
            return Ok(local);
        }
        let in_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_WEIGHTS);
        if in_tree.is_file() {
            return Ok(in_tree);
        }
        bail!("no --weights given and no shipped model at {DEFAULT_WEIGHTS}")
    }

    fn load(weights: Option<PathBuf>, device: &Device) -> Result<RealNvp> {
        let path = weights_path(weights)?;
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let loaded = realnvp::weights::load_model(&bytes, device)
            .with_context(|| format!("loading {}", path.display()))?;
        // Every command that loads a weight file only runs the model: fold it once.
        Ok(loaded.model.fold_weight_norm())
    }

    /// The model on the CPU and its attribute file (by default beside the weight file).
    fn load_with_attributes(
        weights: Option<PathBuf>,
        attributes: Option<PathBuf>,
    ) -> Result<(RealNvp, realnvp::attributes::Attributes)> {
        let path = weights_path(weights)?;
        let model = load(Some(path.clone()), &device(Backend::Cpu)?)?;
        let attributes = edit::load_attributes(&edit::attributes_path(attributes, &path), &model)?;
        Ok((model, attributes))
    }

    /// One unreadable file's line in a per-file report (`score`, `attributes`).
    pub(super) fn print_file_error(name: &str, error: &str, json: bool) {
        if json {
            println!("{}", serde_json::json!({"file": name, "error": error}));
        } else {
            println!("{name}: error: {error}");
        }
    }

    pub(super) fn pixels_of<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
        t.into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("reading pixels back: {e:?}"))
    }

    fn run(command: Command) -> Result<ExitCode> {
        match command {
            Command::Train {
                data,
                out,
                cache,
                resume,
                model,
                batch_size,
                lr,
                epochs,
                seed,
                max_steps,
                max_minutes,
                limit,
                backend,
                quiet,
            } => {
                let config = TrainingConfig::new(model.config()?)
                    .with_batch_size(batch_size)
                    .with_learning_rate(lr)
                    .with_epochs(epochs)
                    .with_seed(seed);
                let options = TrainOptions {
                    data,
                    out,
                    cache,
                    resume,
                    max_steps,
                    max_minutes,
                    limit,
                    device: device(backend)?,
                    progress: !quiet,
                };
                let summary = train(config, options)?;
                if let Some(v) = summary.val_bits_per_dim {
                    println!("validation bits/dim {v:.4} after {} steps", summary.steps);
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Sample {
                weights,
                n,
                temperature,
                seed,
                out,
                backend,
            } => {
                check_faces(n).map_err(|e| anyhow::anyhow!("--n: {e}"))?;
                check_temperature(temperature)
                    .map_err(|e| anyhow::anyhow!("--temperature: {e}"))?;
                let model = load(weights, &device(backend)?)?;
                let size = model.config().image_size;
                let values = pixels_of(model.sample(n, temperature, seed))?;
                let cols = (n as f64).sqrt().ceil() as usize;
                grid(&from_values(&values, n, size), size, cols, 2)
                    .save(&out)
                    .with_context(|| format!("writing {}", out.display()))?;
                println!(
                    "wrote {} ({n} faces, {size}x{size}, temperature {temperature}, seed {seed})",
                    out.display()
                );
                Ok(ExitCode::SUCCESS)
            }
            Command::Interpolate {
                weights,
                corners,
                steps,
                temperature,
                out,
                backend,
            } => {
                check_steps(steps).map_err(|e| anyhow::anyhow!("--steps: {e}"))?;
                check_temperature(temperature)
                    .map_err(|e| anyhow::anyhow!("--temperature: {e}"))?;
                let model = load(weights, &device(backend)?)?;
                let size = model.config().image_size;
                let mut latents = Vec::with_capacity(4);
                for corner in &corners {
                    latents.push(corner_latents(&model, corner, temperature)?);
                }
                let corners: [Vec<Tensor<4>>; 4] = latents
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("exactly four corners"))?;
                let images = model.decode(interpolate_latents(&corners, steps));
                let values = pixels_of(images)?;
                grid(&from_values(&values, steps * steps, size), size, steps, 2)
                    .save(&out)
                    .with_context(|| format!("writing {}", out.display()))?;
                println!("wrote {} ({steps}x{steps} interpolation)", out.display());
                Ok(ExitCode::SUCCESS)
            }
            Command::Score {
                weights,
                json,
                bits_map,
                heatmap,
                files,
                backend,
            } => {
                if heatmap.is_some() && files.len() != 1 {
                    bail!("--heatmap draws one image: give exactly one file");
                }
                let maps = MapOutputs {
                    json: bits_map,
                    heatmap,
                };
                score(weights, json, maps, &files, backend)
            }
            Command::Bench {
                model,
                batch,
                seconds,
                warmup,
                backend,
                threads,
                unfolded,
                inference_only,
                burn_conv,
            } => {
                let config = model.config()?;
                if batch == 0 || seconds.is_nan() || seconds <= 0.0 {
                    bail!("--batch and --seconds must be positive");
                }
                if let Some(n) = threads {
                    if n == 0 {
                        bail!("--threads must be at least 1");
                    }
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .build_global()
                        .context("setting the number of CPU threads")?;
                }
                let options = realnvp::train::bench::BenchOptions {
                    batch,
                    warmup,
                    seconds,
                    min_iters: 3,
                    fold: !unfolded,
                    cpu_conv: !burn_conv,
                    inference_only,
                };
                let result = realnvp::train::bench::run(&config, &device(backend)?, &options);
                let mut line = serde_json::to_value(&result)?;
                line["backend"] = serde_json::json!(match backend {
                    Backend::Cpu => "burn flex (cpu)",
                    Backend::Gpu => "burn wgpu",
                });
                // The threads burn's CPU backend really uses (its rayon pool).
                line["threads"] = serde_json::json!(rayon::current_num_threads());
                line["folded"] = serde_json::json!(!unfolded);
                line["cpu_conv"] = serde_json::json!(!unfolded && !burn_conv);
                println!("{line}");
                Ok(ExitCode::SUCCESS)
            }
            Command::AttributesFit {
                weights,
                data,
                out,
                limit,
                grid,
                report,
                quiet,
            } => {
                let model = load(weights, &device(Backend::Cpu)?)?;
                let args = edit::FitArgs {
                    data,
                    out,
                    limit,
                    grid,
                    report,
                    quiet,
                };
                edit::fit_command(&model, args)
            }
            Command::Attributes {
                weights,
                attributes,
                json,
                files,
            } => {
                let (model, attributes) = load_with_attributes(weights, attributes)?;
                edit::attributes_command(&model, &attributes, &files, json)
            }
            Command::Edit {
                photo,
                weights,
                attributes,
                attribute,
                amounts,
                out,
            } => {
                let (model, attributes) = load_with_attributes(weights, attributes)?;
                edit::edit_command(&model, &attributes, &photo, &attribute, &amounts, &out)
            }
            Command::Evaluate {
                weights,
                data,
                cache,
                split,
                limit,
                backend,
            } => {
                let model = load(weights, &device(backend)?)?;
                let size = model.config().image_size;
                let faces = data::load(&data, size, &cache, true)?;
                let mut set = match split {
                    Split::Train => faces.train,
                    Split::Val => faces.val,
                };
                if let Some(limit) = limit {
                    set.images.truncate(limit);
                }
                if set.is_empty() {
                    bail!("the split has no images");
                }
                let bpd = realnvp::train::trainer::evaluate(&model, &set, 32);
                let (png, webp) = codec_bits_per_dim(&set);
                let summary = serde_json::json!({
                    "images": set.len(),
                    "resolution": size,
                    "bits_per_dim": bpd,
                    "png_bits_per_dim": png,
                    "webp_lossless_bits_per_dim": webp,
                });
                println!("{summary}");
                Ok(ExitCode::SUCCESS)
            }
        }
    }

    fn corner_latents(model: &RealNvp, corner: &str, temperature: f32) -> Result<Vec<Tensor<4>>> {
        if let Some(seed) = corner.strip_prefix("seed:") {
            let seed: u64 = seed
                .parse()
                .with_context(|| format!("`{corner}`: expected seed:<number>"))?;
            return Ok(model.sample_latents(1, temperature, seed));
        }
        let bytes = std::fs::read(corner).with_context(|| format!("reading {corner}"))?;
        let size = model.config().image_size;
        let img = model_input(&bytes, size).with_context(|| corner.to_string())?;
        Ok(model.encode(to_tensor(&[img], size, &model.device())))
    }

    /// What `score` draws besides the numbers.
    struct MapOutputs {
        /// "bits_map" in the JSON lines.
        json: bool,
        /// The heat-map figure of the (single) file.
        heatmap: Option<PathBuf>,
    }

    impl MapOutputs {
        fn wanted(&self) -> bool {
            self.json || self.heatmap.is_some()
        }
    }

    /// One readable file's numbers.
    struct FileScore {
        bits_per_dim: f64,
        per_scale: Vec<f64>,
        /// Bits per pixel position, row-major, when a map was asked for.
        map: Option<Vec<f32>>,
    }

    fn score(
        weights: Option<PathBuf>,
        json: bool,
        maps: MapOutputs,
        files: &[PathBuf],
        backend: Backend,
    ) -> Result<ExitCode> {
        let model = load(weights, &device(backend)?)?;
        let size = model.config().image_size;
        // Decode everything first (errors stay per file), score the readable ones in
        // batches, then report in the order the files were given.
        let inputs: Vec<Result<ModelInput, String>> = files
            .iter()
            .map(|file| {
                let bytes =
                    std::fs::read(file).map_err(|e| format!("cannot read the file: {e}"))?;
                scored_input(&bytes, size).map_err(|e| e.to_string())
            })
            .collect();
        let readable: Vec<Vec<u8>> = inputs
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|input| input.pixels.clone()))
            .collect();
        let mut scores: Vec<FileScore> = Vec::with_capacity(readable.len());
        for chunk in readable.chunks(32) {
            let n = chunk.len();
            let costs = model.costs_at_bin_centres(to_tensor(chunk, size, &model.device()));
            let likelihood = Likelihood::of(&costs, model.config().dims());
            let total = pixels_of(likelihood.bits_per_dim.reshape([n, 1, 1, 1]))?;
            let parts: Vec<Vec<f32>> = likelihood
                .per_scale_bits_per_dim
                .into_iter()
                .map(|t| pixels_of(t.reshape([n, 1, 1, 1])))
                .collect::<Result<_>>()?;
            let map_values = if maps.wanted() {
                Some(pixels_of(
                    BitsMap::of(&costs).total.reshape([n, 1, size, size]),
                )?)
            } else {
                None
            };
            for (i, t) in total.iter().enumerate() {
                scores.push(FileScore {
                    bits_per_dim: round4(*t as f64),
                    per_scale: parts.iter().map(|p| round4(p[i] as f64)).collect(),
                    map: map_values
                        .as_ref()
                        .map(|m| m[i * size * size..(i + 1) * size * size].to_vec()),
                });
            }
        }
        let mut scores = scores.into_iter();
        let mut failed = false;
        for (file, input) in files.iter().zip(&inputs) {
            let name = file.display().to_string();
            match input {
                Err(error) => {
                    failed = true;
                    print_file_error(&name, error, json);
                }
                Ok(input) => {
                    let score = scores.next().expect("one score per readable file");
                    let (bpd, per_scale) = (score.bits_per_dim, &score.per_scale);
                    if let (Some(out), Some(map)) = (&maps.heatmap, &score.map) {
                        heatmap::figure(&input.pixels, map, size)
                            .save(out)
                            .with_context(|| format!("writing {}", out.display()))?;
                        let (lo, hi) = heatmap::range(map);
                        eprintln!(
                            "wrote {} (bits per pixel position, {lo:.2} to {hi:.2})",
                            out.display()
                        );
                    }
                    if json {
                        let mut line = serde_json::json!({
                            "file": name,
                            "bits_per_dim": bpd,
                            "per_scale_bits_per_dim": per_scale,
                            "resolution": size,
                            "warnings": input.warnings,
                        });
                        if let (true, Some(map)) = (maps.json, &score.map) {
                            let rows: Vec<Vec<f64>> = map
                                .chunks(size)
                                .map(|row| row.iter().map(|v| round4(*v as f64)).collect())
                                .collect();
                            line["bits_map"] = serde_json::json!(rows);
                        }
                        println!("{line}");
                    } else {
                        println!("{name}: {bpd:.4} bits/dim (per scale {per_scale:?})");
                        for warning in &input.warnings {
                            println!("{name}: warning: {warning}");
                        }
                    }
                }
            }
        }
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }

    fn round4(v: f64) -> f64 {
        (v * 1e4).round() / 1e4
    }

    /// Mean bits/dim of the same preprocessed images as PNG and as lossless WebP.
    fn codec_bits_per_dim(set: &data::ImageSet) -> (f64, f64) {
        let size = set.size as u32;
        let dims = (set.size * set.size * 3) as f64;
        let (mut png, mut webp) = (0.0, 0.0);
        for img in &set.images {
            let rgb = image::RgbImage::from_raw(size, size, img.clone())
                .expect("cached images have the right size");
            png += realnvp::image::png_bytes(&rgb).len() as f64 * 8.0 / dims;
            let mut out = Vec::new();
            image::codecs::webp::WebPEncoder::new_lossless(&mut out)
                .encode(rgb.as_raw(), size, size, image::ExtendedColorType::Rgb8)
                .expect("encoding an in-memory image cannot fail");
            webp += out.len() as f64 * 8.0 / dims;
        }
        (png / set.len() as f64, webp / set.len() as f64)
    }
}
