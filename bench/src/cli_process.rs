//! The `docker-data` binary run as a user runs it, against the simulator's
//! Hub and Enterprise API, as one timed process.

use crate::measure::Error;
use crate::pairs::{Sample, process_sample};

/// The CLI and the simulator it runs against.
pub struct CliTarget<'a> {
    pub cli: &'a str,
    pub hub: &'a str,
    pub api: &'a str,
    /// The report the rows use, by its date.
    pub date: &'a str,
}

impl CliTarget<'_> {
    /// Runs `docker-data <URLs, organization> ARGS` with the organization's
    /// access token and `env` in its environment, to the end.
    pub fn run(
        &self,
        args: &[&str],
        env: &[(String, String)],
    ) -> impl std::future::Future<Output = Result<Sample, Error>> + use<> {
        let all: Vec<String> = [
            "--hub-url",
            self.hub,
            "--enterprise-url",
            self.api,
            "--org",
            simulator::accounts::ORG,
            "--no-progress",
        ]
        .iter()
        .chain(args)
        .map(|arg| (*arg).to_owned())
        .collect();
        let mut env = env.to_vec();
        env.push(("DOCKER_OAT".to_owned(), simulator::accounts::OAT.to_owned()));
        let cli = self.cli.to_owned();
        async move {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            process_sample(&cli, &args, &env, None).await
        }
    }
}
