//! Parsing HTML within a budget the parser cannot walk around: html5ever is fed the page in
//! small chunks through a tree sink that counts the nodes it creates and the depth it nests
//! them at, and feeding stops (with an error naming the limit) as soon as a chunk leaves the
//! tree too big, too deep, or the time is up.
//!
//! Why chunks: html5ever cannot be interrupted, and a prescan cannot predict it (foreign
//! content, the adoption agency and elements that end tags do not close through all nest where
//! a tokenizer-level estimate says they do not). Fed a chunk at a time, the parser's work
//! between two checks is bounded by one chunk's tokens times the tree's size at the last
//! check, so a hostile page costs at most the budget plus one chunk, however it is built.
//!
//! The time budget is per parse, or sooner when the caller set a deadline for the thread with
//! [`within`] (the parse pool does, so a parse stops when its caller stops waiting).
//!
//! Not here: the cheap up-front refusals (`guard`) and reading the tree (`page`, `html_list`,
//! `blocks`).

use std::borrow::Cow;
use std::cell::{Cell, Ref};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ego_tree::NodeId;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName, local_name, ns};
use scraper::{Html, HtmlTreeSink};

use crate::extract::ExtractError;

/// How deep elements may nest. Real pages stay well under 100; Chromium caps DOM depth at 512
/// for the same reason; deeper trees make the parser scan long stacks on every tag.
pub const MAX_DEPTH: usize = 400;
/// Nodes (elements, text runs, comments) one parse may create: a 5 MB regulator page of
/// tables has a few hundred thousand; each costs the tree a hundred-odd bytes.
pub const MAX_NODES: usize = 500_000;
/// CPU one parse may spend; the parse pool's budget for a page is the same.
pub const PARSE_TIME: Duration = Duration::from_secs(10);
/// Bytes fed to the parser between two checks.
const CHUNK: usize = 8 * 1024;

/// The limits of one parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    pub max_nodes: usize,
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: MAX_DEPTH, max_nodes: MAX_NODES, time: PARSE_TIME }
    }
}

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `work` with every parse on this thread stopping at `deadline` at the latest.
pub fn within<T>(deadline: Instant, work: impl FnOnce() -> T) -> T {
    /// Restores the outer deadline even if `work` panics.
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.set(self.0);
        }
    }
    let _restore = Restore(DEADLINE.replace(Some(deadline)));
    work()
}

/// Parses a whole document within the default limits.
pub fn parse_document(html: &str) -> Result<Html, ExtractError> {
    parse_document_with(html, &Limits::default())
}

/// Parses a fragment (as if inside `<body>`) within the default limits.
pub fn parse_fragment(html: &str) -> Result<Html, ExtractError> {
    parse_fragment_with(html, &Limits::default())
}

pub fn parse_document_with(html: &str, limits: &Limits) -> Result<Html, ExtractError> {
    let budget = Budget::new(limits);
    let sink = Bounded::new(Html::new_document(), Rc::clone(&budget));
    feed(html5ever::parse_document(sink, html5ever::ParseOpts::default()), html, &budget)
}

pub fn parse_fragment_with(html: &str, limits: &Limits) -> Result<Html, ExtractError> {
    let budget = Budget::new(limits);
    let sink = Bounded::new(Html::new_fragment(), Rc::clone(&budget));
    let body = QualName::new(None, ns!(html), local_name!("body"));
    let parser = html5ever::parse_fragment(sink, html5ever::ParseOpts::default(), body, Vec::new(), false);
    feed(parser, html, &budget)
}

fn feed(mut parser: html5ever::Parser<Bounded>, html: &str, budget: &Budget) -> Result<Html, ExtractError> {
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = rest.len().min(CHUNK);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (chunk, after) = rest.split_at(end);
        parser.process(StrTendril::from_slice(chunk));
        budget.check()?;
        rest = after;
    }
    let page = parser.finish();
    budget.check()?;
    // The sink's depths follow appends; moves (the adoption agency reparents whole runs) can
    // deepen a subtree without an append. The tree as built is what the readers walk.
    let depth = deepest(&page);
    if depth > budget.limits.max_depth {
        return Err(ExtractError::TooDeep { depth, limit: budget.limits.max_depth });
    }
    Ok(page)
}

/// The depth of the deepest element, counted iteratively (no recursion on hostile trees).
fn deepest(page: &Html) -> usize {
    let (mut depth, mut max) = (0_usize, 0_usize);
    for edge in page.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if node.value().is_element() => {
                depth += 1;
                max = max.max(depth);
            }
            ego_tree::iter::Edge::Close(node) if node.value().is_element() => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// What one parse has used, shared between the sink and the feeding loop.
#[derive(Debug)]
struct Budget {
    limits: Limits,
    deadline: Instant,
    nodes: Cell<usize>,
    deepest: Cell<usize>,
}

impl Budget {
    fn new(limits: &Limits) -> Rc<Self> {
        let own = Instant::now().checked_add(limits.time);
        let deadline = match (own, DEADLINE.get()) {
            (Some(own), Some(outer)) => own.min(outer),
            (Some(own), None) => own,
            (None, outer) => outer.unwrap_or_else(Instant::now),
        };
        Rc::new(Self { limits: *limits, deadline, nodes: Cell::new(0), deepest: Cell::new(0) })
    }

    fn check(&self) -> Result<(), ExtractError> {
        let (nodes, depth) = (self.nodes.get(), self.deepest.get());
        if depth > self.limits.max_depth {
            return Err(ExtractError::TooDeep { depth, limit: self.limits.max_depth });
        }
        if nodes > self.limits.max_nodes {
            return Err(ExtractError::TooManyNodes { nodes, limit: self.limits.max_nodes });
        }
        if Instant::now() > self.deadline {
            return Err(ExtractError::ParseTimeout { after: self.limits.time });
        }
        Ok(())
    }
}

/// scraper's tree sink, counting. Depths are those of the node's parent plus one at the time
/// it was attached: cheap, and what the parser's own stack of open elements follows.
struct Bounded {
    inner: HtmlTreeSink,
    budget: Rc<Budget>,
    depths: std::cell::RefCell<HashMap<NodeId, usize>>,
}

impl Bounded {
    fn new(page: Html, budget: Rc<Budget>) -> Self {
        Self { inner: HtmlTreeSink::new(page), budget, depths: std::cell::RefCell::default() }
    }

    fn depth_of(&self, node: NodeId) -> usize {
        self.depths.borrow().get(&node).copied().unwrap_or(0)
    }

    fn place(&self, child: &NodeOrText<NodeId>, depth: usize) {
        self.budget.nodes.set(self.budget.nodes.get() + 1);
        if let NodeOrText::AppendNode(id) = child {
            self.depths.borrow_mut().insert(*id, depth);
            if depth > self.budget.deepest.get() {
                self.budget.deepest.set(depth);
            }
        }
    }

    fn created(&self, id: NodeId) -> NodeId {
        self.budget.nodes.set(self.budget.nodes.get() + 1);
        id
    }
}

impl TreeSink for Bounded {
    type Handle = NodeId;
    type Output = Html;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.created(self.inner.create_element(name, attrs, flags))
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.created(self.inner.create_comment(text))
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.created(self.inner.create_pi(target, data))
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.place(&child, self.depth_of(*parent) + 1);
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(&self, element: &NodeId, prev_element: &NodeId, child: NodeOrText<NodeId>) {
        let depth = self.depth_of(*element).max(self.depth_of(*prev_element) + 1);
        self.place(&child, depth);
        self.inner.append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(&self, name: StrTendril, public_id: StrTendril, system_id: StrTendril) {
        self.inner.append_doctype_to_document(name, public_id, system_id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        let contents = self.inner.get_template_contents(target);
        let depth = self.depth_of(*target) + 1;
        self.depths.borrow_mut().insert(contents, depth);
        contents
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.place(&new_node, self.depth_of(*sibling));
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        // Only the moved children are re-measured; their subtrees are caught by `deepest`.
        let depth = self.depth_of(*new_parent) + 1;
        let children: Vec<NodeId> = {
            let page = self.inner.0.borrow();
            page.tree.get(*node).map(|n| n.children().map(|c| c.id()).collect()).unwrap_or_default()
        };
        {
            let mut depths = self.depths.borrow_mut();
            for child in children {
                depths.insert(child, depth);
            }
        }
        if depth > self.budget.deepest.get() {
            self.budget.deepest.set(depth);
        }
        self.inner.reparent_children(node, new_parent);
    }
}

#[cfg(test)]
mod tests;
