//! The patterns: tiktoken's and a few more, by name, and how a pattern is
//! given ([`PatternSpec`]: none, a name, or a user regex). This is the one
//! place their regex text is written; everything else, the Python layer
//! included, asks for it by name.

/// The pattern strings as tiktoken writes them.
pub const GPT2_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";
/// The original GPT-2 form, as HF's ByteLevel pre-tokenizer uses it.
pub const GPT2_PATTERN_HF: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
pub const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
/// cl100k for Oniguruma (HF tokenizers), where `{1,3}+` means something else.
pub const CL100K_PATTERN_HF: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
pub const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"\p{N}{1,3}",
    "|",
    r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
    "|",
    r"\s*[\r\n]+",
    "|",
    r"\s+(?!\S)",
    "|",
    r"\s+"
);

/// Runs of NUL bytes, as a regex (with the text between runs kept as pieces).
pub const NUL_RUNS_PATTERN: &str = r"\x00+";

/// SuperBPE's recommended stage-1 pattern: o200k's without the contraction suffixes.
pub const SUPERBPE_STAGE1_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+",
    "|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*",
    "|",
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
);

/// Llama 3's pattern (its tokenizer.json `Split` regex).
pub const LLAMA3_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen 2 / 2.5 / 3's pattern: Llama 3's with one digit per piece.
pub const QWEN2_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternName {
    Gpt2,
    Cl100k,
    O200k,
    Llama3,
    Qwen2,
    /// SuperBPE stage 1 (recommended): o200k without contractions.
    SuperbpeStage1,
    /// SuperBPE stage 2 (recommended); text between matches is kept as pieces.
    SuperbpeStage2,
    /// SuperBPE stage 2 (paper era): digit runs in right-aligned groups of three.
    SuperbpeDigits,
    /// Runs of NUL bytes are pieces, and so is everything between them
    /// (binary tokenizers with `split_on_nul`); safe on any bytes.
    NulRuns,
}

impl PatternName {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "gpt2" | "r50k" | "r50k_base" | "p50k_base" => Some(PatternName::Gpt2),
            "gpt4" | "cl100k" | "cl100k_base" => Some(PatternName::Cl100k),
            "o200k" | "o200k_base" | "gpt4o" => Some(PatternName::O200k),
            "llama3" => Some(PatternName::Llama3),
            "qwen2" | "qwen" => Some(PatternName::Qwen2),
            "superbpe-stage1" => Some(PatternName::SuperbpeStage1),
            "superbpe" | "superbpe-stage2" => Some(PatternName::SuperbpeStage2),
            "superbpe-digits" => Some(PatternName::SuperbpeDigits),
            "nul-runs" => Some(PatternName::NulRuns),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PatternName::Gpt2 => "gpt2",
            PatternName::Cl100k => "gpt4",
            PatternName::O200k => "o200k",
            PatternName::Llama3 => "llama3",
            PatternName::Qwen2 => "qwen2",
            PatternName::SuperbpeStage1 => "superbpe-stage1",
            PatternName::SuperbpeStage2 => "superbpe",
            PatternName::SuperbpeDigits => "superbpe-digits",
            PatternName::NulRuns => "nul-runs",
        }
    }

    /// tiktoken's form of the pattern.
    pub fn regex(self) -> &'static str {
        match self {
            PatternName::Gpt2 => GPT2_PATTERN,
            PatternName::Cl100k => CL100K_PATTERN,
            PatternName::O200k => O200K_PATTERN,
            PatternName::Llama3 => LLAMA3_PATTERN,
            PatternName::Qwen2 => QWEN2_PATTERN,
            PatternName::SuperbpeStage1 => SUPERBPE_STAGE1_PATTERN,
            PatternName::SuperbpeStage2 => super::superbpe::STAGE2_PATTERN,
            PatternName::SuperbpeDigits => super::superbpe::DIGITS_ONLY_PATTERN,
            PatternName::NulRuns => NUL_RUNS_PATTERN,
        }
    }

    pub const ALL: [PatternName; 9] = [
        PatternName::Gpt2,
        PatternName::Cl100k,
        PatternName::O200k,
        PatternName::Llama3,
        PatternName::Qwen2,
        PatternName::SuperbpeStage1,
        PatternName::SuperbpeStage2,
        PatternName::SuperbpeDigits,
        PatternName::NulRuns,
    ];

    /// A form that HF tokenizers (Oniguruma) reads with the same meaning.
    pub fn hf_regex(self) -> &'static str {
        match self {
            PatternName::Gpt2 => GPT2_PATTERN_HF,
            PatternName::Cl100k => CL100K_PATTERN_HF,
            other => other.regex(),
        }
    }
}

/// How text is cut into pieces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternSpec {
    /// No split: each text is one piece.
    None,
    Named(PatternName),
    Custom(String),
}

impl PatternSpec {
    /// A pattern as the API gives it: a name (`"gpt2" | "gpt4" | "o200k" |
    /// ...`), or a regex, which gets the built-in splitter when it is the
    /// text of a known pattern (tiktoken's or HF's form).
    pub fn parse(s: &str) -> Self {
        match PatternName::parse(s) {
            Some(n) => PatternSpec::Named(n),
            None => Self::from_regex(s),
        }
    }

    /// [`PatternSpec::parse`], with `None` for no split: how the API and
    /// counts files give a pattern.
    pub fn from_option(s: Option<&str>) -> Self {
        s.map_or(PatternSpec::None, Self::parse)
    }

    /// The inverse of [`PatternSpec::from_option`]: a name for a built-in
    /// pattern, the regex text for another, `None` for no split.
    pub fn name_or_regex(&self) -> Option<&str> {
        match self {
            PatternSpec::None => None,
            PatternSpec::Named(n) => Some(n.as_str()),
            PatternSpec::Custom(r) => Some(r),
        }
    }

    /// A regex text; one equal to a known pattern (tiktoken's or HF's form)
    /// becomes that pattern, so it gets the fast splitter.
    pub fn from_regex(s: &str) -> Self {
        for n in PatternName::ALL {
            // The digits-only regex means that split only after HF's `Digits`.
            if n != PatternName::SuperbpeDigits && (s == n.regex() || s == n.hf_regex()) {
                return PatternSpec::Named(n);
            }
        }
        PatternSpec::Custom(s.to_string())
    }

    pub fn regex(&self) -> Option<&str> {
        match self {
            PatternSpec::None => None,
            PatternSpec::Named(n) => Some(n.regex()),
            PatternSpec::Custom(s) => Some(s),
        }
    }
}
