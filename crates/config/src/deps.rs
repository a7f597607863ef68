//! Resolving and checking `depends_on` once every group exists: each target (a
//! group, a program, `group:process`, `group:*`) becomes the processes it names;
//! an unknown target, a condition the target cannot meet (`ready` without a ready
//! check, `healthy` without a health check, `completed` on a process that always
//! restarts) and a cycle are refused with the file and line of the entry, the cycle
//! spelled out.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use supervisor_model::AutoRestart;

use crate::ctx::Ctx;
use crate::error::ConfigError;
use crate::{Condition, Dependency, GroupConfig, ProcessConfig};

type Key = (String, String);

/// The processes `target` names, in start order.
fn targets(groups: &[GroupConfig], target: &str) -> Vec<Key> {
    let key = |p: &Arc<ProcessConfig>| (p.group.clone(), p.name.clone());
    if let Some((g, p)) = target.split_once(':') {
        return groups
            .iter()
            .filter(|x| x.name == g)
            .flat_map(|x| x.processes.iter())
            .filter(|x| p == "*" || p.is_empty() || x.name == p)
            .map(key)
            .collect();
    }
    let by_group: Vec<Key> = groups
        .iter()
        .filter(|x| x.name == target)
        .flat_map(|x| x.processes.iter().map(key))
        .collect();
    if !by_group.is_empty() {
        return by_group;
    }
    groups
        .iter()
        .flat_map(|x| x.processes.iter())
        .filter(|x| x.program == target)
        .map(key)
        .collect()
}

/// Why `dep`'s target `p` can never meet the condition, if so.
fn unmeetable(dep: &Dependency, p: &ProcessConfig) -> Option<String> {
    let ns = p.namespec();
    match dep.condition {
        Condition::Ready if p.ready_check.is_none() => {
            Some(format!("{ns} has no ready_check, so it is never 'ready'"))
        }
        Condition::Healthy if p.health_check.is_none() => Some(format!(
            "{ns} has no health_check, so it is never 'healthy'"
        )),
        Condition::Completed if p.autorestart == AutoRestart::Always => Some(format!(
            "{ns} has autorestart=true, so it never stays 'completed'"
        )),
        _ => None,
    }
}

/// Resolves every dependency of `groups` in place, or the first problem.
pub(crate) fn resolve(ctx: &Ctx, groups: &mut [GroupConfig]) -> Result<(), ConfigError> {
    let snapshot: Vec<GroupConfig> = groups.to_vec();
    let find = |k: &Key| {
        snapshot
            .iter()
            .filter(|g| g.name == k.0)
            .flat_map(|g| g.processes.iter())
            .find(|p| p.name == k.1)
    };
    for group in groups.iter_mut() {
        for p in &mut group.processes {
            if p.depends_on.is_empty() {
                continue;
            }
            let p = Arc::make_mut(p);
            for dep in &mut p.depends_on {
                let found = targets(&snapshot, &dep.target);
                let err = |msg: String| {
                    ctx.err(
                        &dep.section,
                        Some("depends_on"),
                        format!("depends_on: {msg}"),
                    )
                };
                if found.is_empty() {
                    return Err(err(format!(
                        "'{}' names no program, group or process",
                        dep.target
                    )));
                }
                for k in &found {
                    if let Some(why) = find(k).and_then(|t| unmeetable(dep, t)) {
                        return Err(err(why));
                    }
                }
                dep.processes = found;
            }
        }
    }
    check_cycles(ctx, groups)
}

/// Depth-first search for a cycle in the process graph.
fn check_cycles(ctx: &Ctx, groups: &[GroupConfig]) -> Result<(), ConfigError> {
    let mut edges: BTreeMap<Key, (Vec<Key>, String)> = BTreeMap::new();
    for p in groups.iter().flat_map(|g| g.processes.iter()) {
        let to = p
            .depends_on
            .iter()
            .flat_map(|d| d.processes.iter().cloned())
            .collect();
        let section = p
            .depends_on
            .first()
            .map(|d| d.section.clone())
            .unwrap_or_default();
        edges.insert((p.group.clone(), p.name.clone()), (to, section));
    }
    let mut done: BTreeSet<Key> = BTreeSet::new();
    for start in edges.keys() {
        let mut path: Vec<Key> = Vec::new();
        if let Some(cycle) = walk(start, &edges, &mut path, &mut done) {
            let names: Vec<String> = cycle
                .iter()
                .map(|(g, p)| supervisor_model::namespec::make(g, p))
                .collect();
            let section = &edges[&cycle[0]].1;
            return Err(ctx.err(
                section,
                Some("depends_on"),
                format!("depends_on: dependency cycle {}", names.join(" → ")),
            ));
        }
    }
    Ok(())
}

fn walk(
    at: &Key,
    edges: &BTreeMap<Key, (Vec<Key>, String)>,
    path: &mut Vec<Key>,
    done: &mut BTreeSet<Key>,
) -> Option<Vec<Key>> {
    if let Some(i) = path.iter().position(|k| k == at) {
        let mut cycle = path[i..].to_vec();
        cycle.push(at.clone());
        return Some(cycle);
    }
    if done.contains(at) {
        return None;
    }
    path.push(at.clone());
    for next in edges.get(at).map(|e| e.0.as_slice()).unwrap_or_default() {
        if let Some(c) = walk(next, edges, path, done) {
            return Some(c);
        }
    }
    path.pop();
    done.insert(at.clone());
    None
}

#[cfg(test)]
#[path = "deps_tests.rs"]
mod tests;
