//! The TOML form is the same model: every valid corpus config, converted with
//! `to_toml` and written next to it, loads to a `Config` equal to the INI one
//! (apart from `source`). The repo's sample configs (config/supervisord.conf and
//! .toml) are equivalent too, and the `echo_supervisord_conf` samples load.

use std::path::{Path, PathBuf};

use supervisor_config::{Config, Loader, sample_ini, sample_toml, to_toml};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn without_source(mut c: Config) -> Config {
    c.source = PathBuf::new();
    // Our notices name the file and describe how a value is written (an
    // `environment=` string whose text Supervisor's parser drops is a plain table in
    // TOML), so they are not part of the model.
    let notices = std::mem::take(&mut c.notices);
    c.messages.retain(|(_, m)| !notices.contains(m));
    c
}

fn loader(dir: &Path) -> Loader {
    Loader::new()
        .env(vec![
            ("HOME".to_string(), dir.join("home").display().to_string()),
            ("TMPDIR".to_string(), dir.join("dirs").display().to_string()),
            ("SUPERVISOR_TEST_VAR".to_string(), "hello".to_string()),
            (
                "SUPERVISOR_TEST_DIR".to_string(),
                dir.join("dirs").display().to_string(),
            ),
            ("SUPERVISOR_TEST_PERCENT".to_string(), "50%".to_string()),
        ])
        .cwd(dir)
}

#[test]
fn every_valid_corpus_file_converts_to_an_equal_toml_model() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
        &corpus,
    );
    let loader = loader(&corpus);
    let mut checked = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for conf in entries {
        let name = conf.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".conf") || name.starts_with("invalid_") {
            continue;
        }
        let toml_path = conf.with_extension("converted.toml");
        std::fs::write(&toml_path, to_toml(&conf).unwrap()).unwrap();
        let from_ini = loader.load(&conf).unwrap_or_else(|e| panic!("{name}: {e}"));
        let from_toml = loader.load(&toml_path).unwrap_or_else(|e| {
            panic!(
                "{name} as TOML: {e}\n{}",
                std::fs::read_to_string(&toml_path).unwrap()
            )
        });
        assert_eq!(
            without_source(from_ini),
            without_source(from_toml),
            "{name}"
        );
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} files checked");
}

#[test]
fn repo_sample_configs_are_equivalent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    let ini = supervisor_config::load(&root.join("supervisord.conf")).unwrap();
    let toml = supervisor_config::load(&root.join("supervisord.toml")).unwrap();
    assert!(!ini.groups.is_empty());
    assert!(ini.supervisorctl.is_some());
    assert_eq!(without_source(ini), without_source(toml));
}

#[test]
fn echo_samples_load_and_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let ini_path = tmp.path().join("sample.conf");
    let toml_path = tmp.path().join("sample.toml");
    std::fs::write(&ini_path, sample_ini()).unwrap();
    std::fs::write(&toml_path, sample_toml()).unwrap();
    assert!(sample_ini().starts_with("; Sample supervisor config file."));
    let loader = loader(tmp.path());
    let ini = loader.load(&ini_path).unwrap();
    let toml = loader.load(&toml_path).unwrap();
    assert_eq!(without_source(ini), without_source(toml));
}
