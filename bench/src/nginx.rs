//! A static file server for the download rows: nginx (Debian's
//! `nginx-light`) on loopback with `sendfile on`, so the server is not the
//! limit the way the simulator's CSV generator is.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

/// A running nginx serving one folder; stopped on drop.
pub struct Nginx {
    child: Child,
    port: u16,
}

/// Where nginx is: on the PATH or in `/usr/sbin` (Debian puts it there,
/// outside a normal user's PATH).
pub fn find() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nginx"))
            .collect::<Vec<_>>()
    });
    on_path
        .chain([PathBuf::from("/usr/sbin/nginx")])
        .find(|path| path.is_file())
}

impl Nginx {
    /// Serves `root` on a free loopback port. Its config, pid, logs and
    /// temp folders live in `work`.
    pub fn start(binary: &Path, root: &Path, work: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(work)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let work_s = work.display();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {work_s}/nginx.pid;\n\
             error_log {work_s}/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n\
             client_body_temp_path {work_s}/body;\n  proxy_temp_path {work_s}/proxy;\n\
             fastcgi_temp_path {work_s}/fastcgi;\n  uwsgi_temp_path {work_s}/uwsgi;\n\
             scgi_temp_path {work_s}/scgi;\n\
             types {{ text/csv csv; }}\n\
             server {{ listen 127.0.0.1:{port}; root {}; }}\n}}\n",
            root.display()
        );
        let conf = work.join("nginx.conf");
        std::fs::write(&conf, config)?;
        let child = Command::new(binary)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(work)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(work.join("error.log")).unwrap_or_default();
                return Err(format!("nginx did not start: {log}").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// URL of a file under the served folder.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
