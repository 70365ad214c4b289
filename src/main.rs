//! `zorgklas`: the one binary. Runs the platform (all services in one process, or one service
//! per process), the demo, migrations and the operator/support tasks (DESIGN.md, command line).

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    zk_kernel::telemetry::init();
    zorgklas::cli::run(zorgklas::cli::Cli::parse()).await
}
