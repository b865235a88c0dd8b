//! `realnvp`: train, sample, interpolate, score and evaluate Real NVP face models.
//! One module per command, each with its arguments (clap `Args`) and its `run`; the work
//! itself is the library's (`realnvp::inference`, `realnvp::train`, `realnvp::attributes`).

#[cfg(target_family = "wasm")]
fn main() {}

#[cfg(not(target_family = "wasm"))]
mod attributes;
#[cfg(not(target_family = "wasm"))]
mod bench;
#[cfg(not(target_family = "wasm"))]
mod common;
#[cfg(not(target_family = "wasm"))]
mod convert;
#[cfg(not(target_family = "wasm"))]
mod edit;
#[cfg(not(target_family = "wasm"))]
mod evaluate;
#[cfg(not(target_family = "wasm"))]
mod interpolate;
#[cfg(not(target_family = "wasm"))]
mod likeness;
#[cfg(not(target_family = "wasm"))]
mod sample;
#[cfg(not(target_family = "wasm"))]
mod score;
#[cfg(not(target_family = "wasm"))]
mod train;

#[cfg(not(target_family = "wasm"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    keep_freed_memory();
    let cli = Cli::parse();
    match cli.command.run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

/// burn's CPU backend allocates every op's output afresh (16 MB per activation at batch 16).
/// glibc serves blocks that large with mmap and unmaps them when freed, so every op's
/// output was page-faulted in and zeroed by the kernel again (about a tenth of a sampling
/// pass, BENCHMARKS.md). Kept in the heap instead, freed blocks serve the next op.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // glibc's largest mmap threshold (32 MB on 64-bit), and no trimming below 1 GB.
    // SAFETY: mallopt only changes allocator settings; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(all(
    not(target_family = "wasm"),
    not(all(target_os = "linux", target_env = "gnu"))
))]
fn keep_freed_memory() {}

#[cfg(not(target_family = "wasm"))]
#[derive(clap::Parser)]
#[command(
    name = "realnvp",
    version,
    about = "Real NVP normalizing flow for faces: train, sample, interpolate, score"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[cfg(not(target_family = "wasm"))]
#[derive(clap::Subcommand)]
enum Command {
    /// Train a model on a folder of images (JPEG/PNG, searched recursively).
    Train(train::TrainArgs),
    /// Write a grid of sampled faces.
    Sample(sample::SampleArgs),
    /// Interpolate in latent space (all scales) between four corners.
    Interpolate(interpolate::InterpolateArgs),
    /// Bits/dim of each image after the shared preprocessing.
    Score(score::ScoreArgs),
    /// Throughput (images/s) of training, scoring and sampling, one JSON line.
    Bench(bench::BenchArgs),
    /// Fit the age and gender directions on UTKFace's labelled training images and
    /// check them on its validation images.
    AttributesFit(attributes::FitArgs),
    /// Each photo's coordinates along the attribute directions (standardised: 0 is the
    /// training images' mean, 1 their standard deviation).
    Attributes(attributes::AttributesArgs),
    /// A strip of a photo's centred square edited along one attribute.
    Edit(edit::EditArgs),
    /// Mean bits/dim over a split of an image folder, beside PNG and lossless WebP.
    Evaluate(evaluate::EvaluateArgs),
    /// Fit face-likeness on validation faces, measure it against non-faces (AUROC), and
    /// with --write ship it beside the weights.
    Likeness(likeness::LikenessArgs),
    /// Rewrite a weight file as f32, f16 or int8 (weight-norm directions), its validation
    /// statistics measured again for the new file.
    Convert(convert::ConvertArgs),
}

#[cfg(not(target_family = "wasm"))]
impl Command {
    fn run(self) -> anyhow::Result<std::process::ExitCode> {
        match self {
            Command::Train(args) => args.run(),
            Command::Sample(args) => args.run(),
            Command::Interpolate(args) => args.run(),
            Command::Score(args) => args.run(),
            Command::Bench(args) => args.run(),
            Command::AttributesFit(args) => args.run(),
            Command::Attributes(args) => args.run(),
            Command::Edit(args) => args.run(),
            Command::Evaluate(args) => args.run(),
            Command::Likeness(args) => args.run(),
            Command::Convert(args) => args.run(),
        }
    }
}
