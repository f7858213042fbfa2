//! Architecture invariants that the compiler does not check, read from the
//! manifests: commerce modules depend on the module SDK only (never on each
//! other, on the framework or on a web framework), and only `http` and `api`
//! know actix-web.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// `[dependencies]` names of a manifest (not dev-dependencies).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || line.starts_with("[dependencies.");
            if let Some(name) = line
                .strip_prefix("[dependencies.")
                .and_then(|l| l.strip_suffix(']'))
            {
                deps.push(name.to_string());
            }
            continue;
        }
        if in_deps && let Some((name, _)) = line.split_once(['=', '.']) {
            let name = name.trim();
            if !name.is_empty() && !name.starts_with('#') {
                deps.push(name.to_string());
            }
        }
    }
    deps
}

fn manifests(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|p| p.exists())
        .collect();
    out.sort();
    out
}

#[test]
fn commerce_modules_depend_only_on_the_sdk() {
    let modules = manifests(&workspace_root().join("crates/modules"));
    assert!(!modules.is_empty(), "no module crates found");
    for manifest in modules {
        for dep in dependencies(&manifest) {
            assert!(
                !(dep.starts_with("stheno")
                    && dep != "stheno-module-sdk"
                    && dep != "stheno-workflow-sdk"),
                "{} depends on {dep}: modules may only use the module/workflow SDKs",
                manifest.display()
            );
            assert!(
                !dep.starts_with("actix"),
                "{} depends on {dep}",
                manifest.display()
            );
        }
    }
}

#[test]
fn only_http_and_api_know_actix() {
    let root = workspace_root();
    let mut all = manifests(&root.join("crates"));
    all.extend(manifests(&root.join("crates/modules")));
    for manifest in all {
        let crate_dir = manifest
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        if ["http", "api", "stheno"].contains(&crate_dir.as_str()) {
            continue;
        }
        for dep in dependencies(&manifest) {
            assert!(
                !dep.starts_with("actix"),
                "{} depends on {dep}",
                manifest.display()
            );
        }
    }
}

#[test]
fn the_sdk_depends_on_no_other_stheno_crate() {
    // Its own proc macros are part of it (a proc-macro crate must be separate).
    let manifest = workspace_root().join("crates/module-sdk/Cargo.toml");
    for dep in dependencies(&manifest) {
        assert!(
            !dep.starts_with("stheno") || dep == "stheno-macros",
            "module-sdk depends on {dep}"
        );
    }
    let macros = workspace_root().join("crates/macros/Cargo.toml");
    for dep in dependencies(&macros) {
        assert!(!dep.starts_with("stheno"), "stheno-macros depends on {dep}");
    }
}

#[test]
fn core_flows_depend_on_sdks_and_modules_only() {
    let root = workspace_root();
    let manifest = root.join("crates/core-flows/Cargo.toml");
    let modules: Vec<String> = manifests(&root.join("crates/modules"))
        .iter()
        .map(|m| {
            let text = std::fs::read_to_string(m).unwrap();
            let name = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = "))
                .unwrap();
            name.trim_matches('"').to_string()
        })
        .collect();
    for dep in dependencies(&manifest) {
        assert!(
            !dep.starts_with("stheno")
                || dep == "stheno-module-sdk"
                || dep == "stheno-workflow-sdk"
                || modules.contains(&dep),
            "core-flows depends on {dep}: it may use the SDKs and module crates only"
        );
        assert!(!dep.starts_with("actix"), "core-flows depends on {dep}");
    }
}
