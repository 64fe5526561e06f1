//! The contract, hostile, reliability and simulator tests, one module per
//! file, built as one test binary (one link instead of one per file).

mod columnar;
mod contract;
mod dvp_client;
mod enterprise_client;
mod generated_clients;
mod hostile;
mod hub_client;
mod reliability;
mod response_fixtures;
mod resume_across_runs;
mod schema_drift;
mod sdk_against_simulator;
mod simulator_conformance;
mod untested_paths;
