//! Coding comments into the study's codebook: an open code applies when one of its zh or en
//! keywords occurs in the comment and is not negated just before ("不拥挤", "not crowded").
//!
//! Chinese keywords match as substrings. English keywords match case-insensitively at a word start
//! and may carry a plural or verb ending ("photos", "crowded").

use crate::domain::{Codebook, Lang};

/// Chinese negations that cancel a keyword they come just before (within two characters).
const ZH_NEGATIONS: [char; 5] = ['不', '没', '无', '别', '未'];
/// English words that cancel a keyword among the two words before it.
const EN_NEGATIONS: [&str; 12] = [
    "not", "no", "never", "isn't", "wasn't", "aren't", "weren't", "don't", "didn't", "hardly",
    "without", "nothing",
];
/// Endings an English keyword may carry.
const EN_SUFFIXES: [&str; 9] = ["", "s", "es", "ed", "d", "ing", "er", "ers", "y"];

/// A compiled codebook: codes in codebook order with their lowercased keywords.
#[derive(Clone, Debug, Default)]
pub struct Coder {
    codes: Vec<(String, Vec<String>)>,
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(is_cjk)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Chinese when the text has Chinese characters, else English.
pub fn detect_lang(text: &str) -> Lang {
    if has_cjk(text) {
        Lang::Zh
    } else {
        Lang::En
    }
}

impl Coder {
    pub fn new(codebook: &Codebook) -> Coder {
        let codes = codebook
            .codes
            .iter()
            .map(|c| {
                let mut kws: Vec<String> = c
                    .keywords
                    .zh
                    .iter()
                    .chain(&c.keywords.en)
                    .map(|k| k.trim().to_lowercase())
                    .filter(|k| !k.is_empty())
                    .collect();
                kws.dedup();
                (c.id.clone(), kws)
            })
            .collect();
        Coder { codes }
    }

    /// The open codes of a comment, in codebook order, each once.
    pub fn code(&self, text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        self.codes
            .iter()
            .filter(|(_, kws)| kws.iter().any(|k| matches(&lower, k)))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// Whether a lowercased keyword occurs, un-negated, in a lowercased text.
fn matches(text: &str, kw: &str) -> bool {
    let cjk = has_cjk(kw);
    let mut from = 0;
    while let Some(pos) = text[from..].find(kw) {
        let start = from + pos;
        let end = start + kw.len();
        from = start + kw.chars().next().map(char::len_utf8).unwrap_or(1);
        let ok = if cjk {
            !zh_negated(&text[..start])
        } else {
            en_word_start(&text[..start])
                && en_suffix_ok(&text[end..])
                && !en_negated(&text[..start])
        };
        if ok {
            return true;
        }
    }
    false
}

fn zh_negated(before: &str) -> bool {
    before
        .chars()
        .rev()
        .take(2)
        .any(|c| ZH_NEGATIONS.contains(&c))
}

fn en_word_start(before: &str) -> bool {
    before
        .chars()
        .next_back()
        .map(|c| !c.is_alphanumeric() || is_cjk(c))
        .unwrap_or(true)
}

fn en_suffix_ok(after: &str) -> bool {
    let word: String = after
        .chars()
        .take_while(|c| c.is_alphabetic() && !is_cjk(*c))
        .collect();
    EN_SUFFIXES.contains(&word.as_str())
}

fn en_negated(before: &str) -> bool {
    before
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .rev()
        .take(2)
        .any(|w| EN_NEGATIONS.contains(&w) || w.ends_with("n't"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Bilingual, Code, Frequency, Keywords, Sentiment};

    fn code(id: &str, zh: &[&str], en: &[&str]) -> Code {
        Code {
            id: id.into(),
            name: Bilingual {
                zh: id.into(),
                en: id.into(),
            },
            category: "c".into(),
            frequency: Frequency::High,
            sentiment: Sentiment::Neutral,
            keywords: Keywords {
                zh: zh.iter().map(|s| s.to_string()).collect(),
                en: en.iter().map(|s| s.to_string()).collect(),
            },
        }
    }

    fn coder() -> Coder {
        Coder::new(&Codebook {
            codes: vec![
                code("photo_spot", &["拍照", "出片"], &["photo", "photogenic"]),
                code("crowded", &["人多", "拥挤"], &["crowd", "packed"]),
                code(
                    "paid_rooftops",
                    &["天台收费"],
                    &["rooftop fee", "overpriced"],
                ),
                code("tnt", &["TNT"], &["tnt"]),
            ],
            ..Codebook::default()
        })
    }

    #[test]
    fn codes_chinese_and_english_comments() {
        let c = coder();
        assert_eq!(
            c.code("天台收费太贵了，但是很出片"),
            vec!["photo_spot", "paid_rooftops"]
        );
        assert_eq!(
            c.code("Great PHOTOS, but so crowded!"),
            vec!["photo_spot", "crowded"]
        );
        assert_eq!(c.code("The rooftop fee is a joke"), vec!["paid_rooftops"]);
        assert_eq!(c.code("来打卡tnt同款"), vec!["tnt"]);
    }

    #[test]
    fn respects_word_starts_endings_and_negation() {
        let c = coder();
        assert!(c.code("photosynthesis").is_empty(), "not a word ending");
        assert!(c.code("a crowdfunded cafe").is_empty());
        assert!(c.code("not crowded at all on Tuesday").is_empty());
        assert!(c.code("it wasn't packed").is_empty());
        assert!(c.code("工作日去一点也不拥挤").is_empty());
        assert_eq!(
            c.code("没有人多的问题，但是周末人多"),
            vec!["crowded"],
            "a later un-negated match counts"
        );
        assert!(c.code("").is_empty());
    }

    #[test]
    fn detects_the_language() {
        assert_eq!(detect_lang("很好").as_str(), "zh");
        assert_eq!(detect_lang("fine").as_str(), "en");
    }
}
