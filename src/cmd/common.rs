//! Arguments shared by several subcommands: input reading and model choice.

use std::path::PathBuf;
use tamis::pipeline::{InputFormat, InputOptions};

/// How to read inputs.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Input format (default: from the extension; stdin is read as a page unless set).
    #[arg(long, value_enum)]
    pub input_format: Option<FormatArg>,
    /// Text column of a CSV table / key of a JSONL object.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Id column / key.
    #[arg(long, default_value = "id")]
    pub id_column: String,
    /// Encoding of pages (`utf-8`, `utf-16le`, `windows-1252`, `iso-8859-15`…); default:
    /// detected (BOM, valid UTF-8, else a legacy encoding).
    #[arg(long, value_name = "NAME", value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// Checks `--encoding` while parsing, so an unknown name is a usage error (exit 2).
pub fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    tamis::thread::encoding_for_label(s).ok_or_else(|| format!("unknown encoding `{s}`"))
}

/// `--input-format` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Page dump.
    Page,
    /// CSV table.
    Csv,
    /// JSON lines.
    Jsonl,
}

impl InputArgs {
    /// Converts to the library's options.
    pub fn options(&self) -> InputOptions {
        InputOptions {
            format: self.input_format.map(|f| match f {
                FormatArg::Page => InputFormat::Page,
                FormatArg::Csv => InputFormat::Csv,
                FormatArg::Jsonl => InputFormat::Jsonl,
            }),
            text_column: self.text_column.clone(),
            id_column: self.id_column.clone(),
            read: tamis::thread::ReadOptions {
                encoding: self.encoding,
            },
        }
    }
}

/// Which model to use, and the site's rules on top of it.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Model file (default: the embedded model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Site rules: a CSV `rule,term[,note]` of banned, suspect and allowed words and
    /// phrases, matched through disguises on whole words (see the README).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

/// A model loaded either from `--model` or the embedded default.
pub enum LoadedModel {
    /// From the binary.
    Embedded(&'static tamis::model::Model),
    /// From a file.
    File(Box<tamis::model::Model>),
}

impl std::ops::Deref for LoadedModel {
    type Target = tamis::model::Model;
    fn deref(&self) -> &Self::Target {
        match self {
            LoadedModel::Embedded(m) => m,
            LoadedModel::File(m) => m,
        }
    }
}

impl ModelArgs {
    /// Loads `--rules`, if given.
    pub fn rules(&self) -> tamis::Result<Option<std::sync::Arc<tamis::rules::Rules>>> {
        self.rules
            .as_deref()
            .map(|p| tamis::rules::Rules::load(p).map(std::sync::Arc::new))
            .transpose()
    }

    /// Loads the chosen model.
    pub fn load(&self) -> tamis::Result<LoadedModel> {
        match &self.model {
            Some(p) => Ok(LoadedModel::File(Box::new(tamis::model::Model::load(p)?))),
            None => Ok(LoadedModel::Embedded(tamis::model::Model::embedded()?)),
        }
    }
}

/// Column names of labelled tables (`train`, `eval`).
#[derive(Debug, Clone, clap::Args)]
pub struct TableArgs {
    /// Text column.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Label column (true/false, 1/0, oui/non, yes/no, vrai/faux); a queue CSV's
    /// `decision` column is used when this one is absent.
    #[arg(long, default_value = "review")]
    pub label_column: String,
    /// Reasons column (`insult|accusation`…).
    #[arg(long, default_value = "reasons")]
    pub reasons_column: String,
    /// Id column.
    #[arg(long, default_value = "id")]
    pub id_column: String,
    /// Thread column: rows of one thread share it.
    #[arg(long, default_value = "thread")]
    pub thread_column: String,
    /// Parent column: the id of the row answered.
    #[arg(long, default_value = "parent")]
    pub parent_column: String,
}

impl TableArgs {
    /// Converts to the library's options.
    pub fn options(&self, labelled: bool) -> tamis::pipeline::TableOptions {
        tamis::pipeline::TableOptions {
            text_column: self.text_column.clone(),
            id_column: self.id_column.clone(),
            label_column: labelled.then(|| self.label_column.clone()),
            reasons_column: self.reasons_column.clone(),
            thread_column: self.thread_column.clone(),
            parent_column: self.parent_column.clone(),
            group_column: None,
        }
    }
}
