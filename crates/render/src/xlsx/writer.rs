//! Cell formats from the layout's styles, and a cursor that writes titles, notes and
//! three-line journal tables down a worksheet (optionally as native Excel tables).

use super::layout::{Kind, KindDef, Layout};
use super::XlsxRenderError;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Table, TableColumn, TableStyle,
    Worksheet,
};
use std::collections::BTreeMap;

/// Excel's limit on the length of a cell's text.
const MAX_CELL_CHARS: usize = 32_767;

/// Formats built from the layout.
pub struct Styles {
    font: String,
    pub size: f64,
    title_size: f64,
    caption_size: f64,
    note_size: f64,
    header_fill: Option<Color>,
    header_bold: bool,
    rule_top: FormatBorder,
    rule_header: FormatBorder,
    rule_bottom: FormatBorder,
    pub chart_width: u32,
    pub chart_height: u32,
    pub chart_colors: Vec<Color>,
    table_style: TableStyle,
    native_table_max_rows: usize,
    /// A sheet printed wider than this many characters is set landscape.
    pub landscape_above: f64,
    kinds: BTreeMap<Kind, KindDef>,
}

/// Where a cell sits in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Header,
    Body,
    /// The last body row (thick rule under it).
    Last,
}

fn layout_err(message: String) -> XlsxRenderError {
    XlsxRenderError::Layout {
        file: super::LAYOUT_FILE.to_string(),
        message,
    }
}

fn border(key: &str, v: &str) -> Result<FormatBorder, XlsxRenderError> {
    match v {
        "none" => Ok(FormatBorder::None),
        "thin" => Ok(FormatBorder::Thin),
        "medium" => Ok(FormatBorder::Medium),
        "thick" => Ok(FormatBorder::Thick),
        "double" => Ok(FormatBorder::Double),
        _ => Err(layout_err(format!(
            "styles.{key} = {v:?}: expected none, thin, medium, thick or double"
        ))),
    }
}

fn color(key: &str, v: &str) -> Result<Color, XlsxRenderError> {
    let hex = v.strip_prefix('#').unwrap_or(v);
    match u32::from_str_radix(hex, 16) {
        Ok(n) if hex.len() == 6 => Ok(Color::RGB(n)),
        _ => Err(layout_err(format!(
            "styles.{key} = {v:?}: expected a colour \"#RRGGBB\""
        ))),
    }
}

fn table_style(v: &str) -> Result<TableStyle, XlsxRenderError> {
    Ok(match v {
        "none" => TableStyle::None,
        "light1" => TableStyle::Light1,
        "light8" => TableStyle::Light8,
        "light9" => TableStyle::Light9,
        "light15" => TableStyle::Light15,
        "medium2" => TableStyle::Medium2,
        "medium9" => TableStyle::Medium9,
        _ => {
            return Err(layout_err(format!(
                "styles.native_table_style = {v:?}: expected none, light1, light8, light9, \
                 light15, medium2 or medium9"
            )))
        }
    })
}

impl Styles {
    pub fn new(layout: &Layout, lang: &str) -> Result<Styles, XlsxRenderError> {
        let s = &layout.styles;
        let header_fill = match s.header_fill.trim() {
            "" => None,
            v => Some(color("header_fill", v)?),
        };
        let chart_colors = s
            .chart_colors
            .iter()
            .map(|c| color("chart_colors", c))
            .collect::<Result<Vec<_>, _>>()?;
        if chart_colors.is_empty() {
            return Err(layout_err("styles.chart_colors is empty".into()));
        }
        for (k, def) in &layout.kinds {
            match def.align.as_str() {
                "left" | "center" | "right" => {}
                a => {
                    return Err(layout_err(format!(
                        "kinds.{:?}.align = {a:?}: expected left, center or right",
                        k
                    )))
                }
            }
        }
        Ok(Styles {
            font: if lang == "zh" {
                s.font_zh.clone()
            } else {
                s.font_en.clone()
            },
            size: s.font_size,
            title_size: s.title_size,
            caption_size: s.caption_size,
            note_size: s.note_size,
            header_fill,
            header_bold: s.header_bold,
            rule_top: border("rule_top", &s.rule_top)?,
            rule_header: border("rule_header", &s.rule_header)?,
            rule_bottom: border("rule_bottom", &s.rule_bottom)?,
            chart_width: s.chart_width.max(200),
            chart_height: s.chart_height.max(150),
            chart_colors,
            table_style: table_style(&s.native_table_style)?,
            native_table_max_rows: s.native_table_max_rows,
            landscape_above: s.landscape_above,
            kinds: layout.kinds.clone(),
        })
    }

    fn base(&self) -> Format {
        Format::new()
            .set_font_name(self.font.as_str())
            .set_font_size(self.size)
    }

    pub fn title(&self) -> Format {
        self.base().set_bold().set_font_size(self.title_size)
    }

    pub fn caption(&self) -> Format {
        self.base().set_bold().set_font_size(self.caption_size)
    }

    pub fn note(&self) -> Format {
        self.base().set_italic().set_font_size(self.note_size)
    }

    /// Plain wrapped text (methods).
    pub fn paragraph(&self) -> Format {
        self.base()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_align(FormatAlign::Left)
    }

    /// Every format a listing section can write, in a fixed order: titles, captions, notes,
    /// then per column kind its header (also closing an empty table), body and last-row
    /// formats. Registered before listing sheets are written in parallel.
    pub fn listing_formats(&self) -> Vec<Format> {
        let mut out = vec![self.title(), self.caption(), self.note(), Format::new()];
        for (kind, _) in Kind::ALL {
            out.push(self.cell(kind, Role::Header));
            out.push(
                self.cell(kind, Role::Header)
                    .set_border_bottom(self.rule_bottom),
            );
            out.push(self.cell(kind, Role::Body));
            out.push(self.cell(kind, Role::Last));
        }
        out
    }

    pub fn width(&self, kind: Kind) -> f64 {
        self.kinds.get(&kind).map(|k| k.width).unwrap_or(12.0)
    }

    pub fn num_format(&self, kind: Kind) -> &str {
        self.kinds
            .get(&kind)
            .map(|k| k.num_format.as_str())
            .unwrap_or("General")
    }

    fn align(&self, kind: Kind) -> FormatAlign {
        match self.kinds.get(&kind).map(|k| k.align.as_str()) {
            Some("center") => FormatAlign::Center,
            Some("right") => FormatAlign::Right,
            _ => FormatAlign::Left,
        }
    }

    /// The format of a table cell of `kind` in `role`; `last_header` when the header is also
    /// the table's last row (a table without rows).
    pub fn cell(&self, kind: Kind, role: Role) -> Format {
        match role {
            Role::Header => {
                let mut f = self
                    .base()
                    .set_align(self.align(kind))
                    .set_align(FormatAlign::Bottom)
                    .set_text_wrap()
                    .set_border_top(self.rule_top)
                    .set_border_bottom(self.rule_header);
                if self.header_bold {
                    f = f.set_bold();
                }
                if let Some(c) = self.header_fill {
                    f = f.set_background_color(c);
                }
                f
            }
            Role::Body | Role::Last => {
                // Top-aligned: a row grown for wrapped long text keeps its cells level.
                let mut f = self
                    .base()
                    .set_align(self.align(kind))
                    .set_align(FormatAlign::Top)
                    .set_num_format(self.num_format(kind));
                if role == Role::Last {
                    f = f.set_border_bottom(self.rule_bottom);
                }
                if kind == Kind::LongText {
                    // Long text (messages, bases) wraps within its column.
                    f = f.set_text_wrap();
                }
                f
            }
        }
    }
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, always written as a string cell.
    Text(String),
    Num(f64),
    /// An ISO date (`2020-03-02`) written as an Excel date; text when it does not parse.
    Date(String),
    Blank,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<&str>) -> Cell {
        s.map(Cell::text).unwrap_or(Cell::Blank)
    }

    pub fn num(x: f64) -> Cell {
        if x.is_finite() {
            Cell::Num(x)
        } else {
            Cell::Blank
        }
    }

    /// A number, or blank when absent.
    pub fn opt(x: Option<f64>) -> Cell {
        x.map(Cell::num).unwrap_or(Cell::Blank)
    }

    /// A number, or `missing` text when absent (`NR` for a median not reached).
    pub fn opt_or(x: Option<f64>, missing: &str) -> Cell {
        match x {
            Some(v) if v.is_finite() => Cell::Num(v),
            _ => Cell::text(missing),
        }
    }

    pub fn count(n: usize) -> Cell {
        Cell::Num(n as f64)
    }

    pub fn opt_date(s: Option<&str>) -> Cell {
        s.map(|d| Cell::Date(d.to_string())).unwrap_or(Cell::Blank)
    }
}

/// One borrowed cell of a listing row: a listing of a million rows allocates nothing per
/// cell before the Excel writer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    /// Text, always written as a string cell.
    Text(&'a str),
    Num(f64),
    /// An ISO date written as an Excel date; text when it does not parse.
    Date(&'a str),
    Blank,
}

impl<'a> Field<'a> {
    pub fn opt_text(s: Option<&'a str>) -> Field<'a> {
        s.map(Field::Text).unwrap_or(Field::Blank)
    }

    /// A number, or blank when absent or not finite.
    pub fn opt(x: Option<f64>) -> Field<'a> {
        match x {
            Some(v) if v.is_finite() => Field::Num(v),
            _ => Field::Blank,
        }
    }

    pub fn num(x: f64) -> Field<'a> {
        Field::opt(Some(x))
    }

    pub fn opt_date(s: Option<&'a str>) -> Field<'a> {
        s.map(Field::Date).unwrap_or(Field::Blank)
    }
}

/// A column: its header text and kind.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

pub fn col(header: impl Into<String>, kind: Kind) -> Column {
    Column {
        header: header.into(),
        kind,
    }
}

/// A table to write.
#[derive(Debug, Clone, Default)]
pub struct TableData {
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Write as a native Excel table (filters); only when it has rows.
    pub native: bool,
    /// Shown under the table when it has no rows.
    pub empty_note: Option<String>,
}

/// Where a written table's cells are.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub first_row: u32,
}

/// Writes down one worksheet, tracking the next free row and column widths.
pub struct SheetWriter<'a> {
    pub ws: &'a mut Worksheet,
    pub sheet_name: String,
    pub st: &'a Styles,
    pub row: u32,
    widths: BTreeMap<u16, f64>,
    first_header: Option<u32>,
    /// Whether the sheet's one worksheet filter is taken.
    has_autofilter: bool,
    /// Header rows of the tables written, in order (print titles).
    headers: Vec<u32>,
    /// Columns holding chart data only: hidden, so neither shown nor printed.
    hidden_cols: std::collections::BTreeSet<u16>,
    /// Charts' right edges, in characters from column 0 (`(first column, width px)`).
    charts: Vec<(u16, u32)>,
    /// Columns of the widest table (notes wrap across them).
    table_cols: u16,
    /// Formats built once per (kind, role): a large listing writes millions of cells.
    formats: std::collections::HashMap<(Kind, Role), Format>,
}

/// Writes `s` as a string cell (truncated to Excel's limit), never as a formula or URL.
pub fn write_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: &Format,
) -> Result<(), XlsxRenderError> {
    if s.len() > MAX_CELL_CHARS && s.chars().count() > MAX_CELL_CHARS {
        let cut: String = s.chars().take(MAX_CELL_CHARS - 1).collect();
        ws.write_string_with_format(row, col, format!("{cut}…"), f)?;
    } else {
        ws.write_string_with_format(row, col, s, f)?;
    }
    Ok(())
}

impl<'a> SheetWriter<'a> {
    pub fn new(ws: &'a mut Worksheet, sheet_name: String, st: &'a Styles) -> Self {
        SheetWriter {
            ws,
            sheet_name,
            st,
            row: 0,
            widths: BTreeMap::new(),
            first_header: None,
            has_autofilter: false,
            formats: std::collections::HashMap::new(),
            headers: Vec::new(),
            hidden_cols: std::collections::BTreeSet::new(),
            charts: Vec::new(),
            table_cols: 0,
        }
    }

    /// Makes column `c` at least `w` characters wide.
    pub fn widen(&mut self, c: u16, w: f64) {
        let e = self.widths.entry(c).or_insert(0.0);
        if w > *e {
            *e = w;
        }
    }

    pub fn title(&mut self, text: &str) -> Result<u32, XlsxRenderError> {
        let r = self.row;
        write_text(self.ws, r, 0, text, &self.st.title())?;
        self.ws.set_row_height(r, self.st.title_size * 1.6)?;
        self.row += 2;
        Ok(r)
    }

    pub fn caption(&mut self, text: &str) -> Result<u32, XlsxRenderError> {
        let r = self.row;
        write_text(self.ws, r, 0, text, &self.st.caption())?;
        self.row += 1;
        Ok(r)
    }

    pub fn note(&mut self, text: &str) -> Result<(), XlsxRenderError> {
        let cols = self.table_cols;
        let width: f64 = (0..cols.max(1))
            .map(|c| self.widths.get(&c).copied().unwrap_or(DEFAULT_WIDTH))
            .sum();
        if cols < 2 || (display_width(text) as f64) < width {
            write_text(self.ws, self.row, 0, text, &self.st.note())?;
        } else {
            // Wider than the table: wrapped in a merged cell across it, so that print does not
            // cut it (Excel does not fit a merged row's height: set it from the line count).
            let f = self.st.note().set_text_wrap().set_align(FormatAlign::Top);
            self.ws
                .merge_range(self.row, 0, self.row, cols - 1, "", &f)?;
            write_text(self.ws, self.row, 0, text, &f)?;
            let lines = (display_width(text) as f64 * NOTE_CHAR / width)
                .ceil()
                .max(1.0);
            self.ws
                .set_row_height(self.row, lines * self.st.note_size * 1.35 + 2.0)?;
        }
        self.row += 1;
        Ok(())
    }

    /// Sets the height of row `r` for the longest of its wrapped long texts (neither Excel nor
    /// LibreOffice grows a row on opening, so without it the wrapped lines overlap).
    fn fit_wrapped<'t>(
        &mut self,
        r: u32,
        texts: impl Iterator<Item = &'t str>,
    ) -> Result<(), XlsxRenderError> {
        let width = self.st.width(Kind::LongText);
        // Body text is set a size smaller than the font the column width counts in (about 1.2
        // characters a unit), less what breaking at spaces loses.
        let lines = texts
            .map(|s| wrapped_lines(s, width * 1.1))
            .max()
            .unwrap_or(1);
        if lines > 1 {
            self.ws
                .set_row_height(r, lines as f64 * (self.st.size * 1.35) + 3.0)?;
        }
        Ok(())
    }

    /// Hides column `c` (chart data: not shown, not printed; charts set to plot hidden data).
    pub fn hide_column(&mut self, c: u16) {
        self.hidden_cols.insert(c);
    }

    /// Hides rows `first..=last` (chart data, as [`SheetWriter::hide_column`]).
    pub fn hide_rows(&mut self, first: u32, last: u32) -> Result<(), XlsxRenderError> {
        for r in first..=last {
            self.ws.set_row_hidden(r)?;
        }
        Ok(())
    }

    /// Records a chart inserted at column `col`, `width` pixels wide (page orientation).
    pub fn chart_at(&mut self, col: u16, width: u32) {
        self.charts.push((col, width));
    }

    /// Printed width of the sheet in characters: the visible columns up to the last used one,
    /// or a chart's right edge when further (pixels / 7, Excel's character width at the
    /// default font).
    fn print_width(&self) -> f64 {
        let col_width = |c: &u16| {
            if self.hidden_cols.contains(c) {
                0.0
            } else {
                self.widths.get(c).copied().unwrap_or(DEFAULT_WIDTH)
            }
        };
        let last = self.widths.keys().copied().max().unwrap_or(0);
        let tables: f64 = (0..=last).map(|c| col_width(&c)).sum();
        let charts = self
            .charts
            .iter()
            .map(|(c0, px)| (0..*c0).map(|c| col_width(&c)).sum::<f64>() + f64::from(*px) / 7.0)
            .fold(0.0, f64::max);
        tables.max(charts)
    }

    pub fn gap(&mut self, rows: u32) {
        self.row += rows;
    }

    /// The cached format of a cell of `kind` in `role` (built once: a listing writes
    /// millions of cells).
    fn format(&mut self, kind: Kind, role: Role) -> &Format {
        let st = self.st;
        self.formats
            .entry((kind, role))
            .or_insert_with(|| st.cell(kind, role))
    }

    /// Writes one cell of `kind` in `role`.
    pub fn cell(
        &mut self,
        row: u32,
        c: u16,
        cell: &Cell,
        kind: Kind,
        role: Role,
    ) -> Result<(), XlsxRenderError> {
        let field = match cell {
            Cell::Text(s) => Field::Text(s),
            Cell::Num(x) => Field::Num(*x),
            Cell::Date(s) => Field::Date(s),
            Cell::Blank => Field::Blank,
        };
        self.field(row, c, &field, kind, role)
    }

    /// Writes one borrowed cell of `kind` in `role`, with its format.
    fn field(
        &mut self,
        row: u32,
        c: u16,
        field: &Field,
        kind: Kind,
        role: Role,
    ) -> Result<(), XlsxRenderError> {
        // A date keeps the date format whatever the column's kind.
        let date = match field {
            Field::Date(s) => ExcelDateTime::parse_from_str(s.trim()).ok(),
            _ => None,
        };
        let key = if date.is_some() {
            (Kind::Date, role)
        } else {
            (kind, role)
        };
        // The cached format, borrowed beside the worksheet (no clone per cell).
        let st = self.st;
        let f = self
            .formats
            .entry(key)
            .or_insert_with(|| st.cell(key.0, key.1));
        match (field, date) {
            (Field::Date(_), Some(d)) => {
                self.ws.write_datetime_with_format(row, c, &d, f)?;
            }
            (Field::Text(s) | Field::Date(s), _) => write_text(self.ws, row, c, s, f)?,
            (Field::Num(x), _) => {
                self.ws.write_number_with_format(row, c, *x, f)?;
            }
            (Field::Blank, _) => {
                self.ws.write_blank(row, c, f)?;
            }
        }
        Ok(())
    }

    /// Writes a body cell of a listing without a cell format: the column format set by
    /// [`SheetWriter::listing`] styles it. rust_xlsxwriter hashes a cell's whole `Format` to
    /// find its style index, which was a tenth of a large report's time.
    fn plain_field(
        &mut self,
        row: u32,
        c: u16,
        field: &Field,
        kind: Kind,
    ) -> Result<(), XlsxRenderError> {
        match field {
            Field::Text(s) => {
                if s.len() > MAX_CELL_CHARS {
                    // Rare: the truncating path, with its format.
                    return self.field(row, c, field, kind, Role::Body);
                }
                self.ws.write_string(row, c, *s)?;
            }
            Field::Num(x) => {
                if x.is_finite() {
                    self.ws.write_number(row, c, *x)?;
                }
            }
            Field::Date(s) if kind == Kind::Date => match ExcelDateTime::parse_from_str(s.trim()) {
                Ok(d) => {
                    self.ws.write_datetime(row, c, &d)?;
                }
                Err(_) => write_text(self.ws, row, c, s, &Format::new())?,
            },
            Field::Date(_) => return self.field(row, c, field, kind, Role::Body),
            Field::Blank => {}
        }
        Ok(())
    }

    /// Writes a three-line table at the cursor (caption first when given) and moves the
    /// cursor one blank row below it.
    pub fn table(&mut self, t: &TableData) -> Result<Placed, XlsxRenderError> {
        let (header_row, headers) = self.header(t.caption.as_deref(), &t.columns)?;
        let first_row = header_row + 1;
        let n = t.rows.len();
        if t.native {
            self.native_table(header_row, &headers, &t.columns, n)?;
        }
        for (ri, cells) in t.rows.iter().enumerate() {
            let role = if ri + 1 == n { Role::Last } else { Role::Body };
            let r = first_row + ri as u32;
            for (ci, c) in t.columns.iter().enumerate() {
                let cell = cells.get(ci).unwrap_or(&Cell::Blank);
                self.cell(r, ci as u16, cell, c.kind, role)?;
                // Wide enough for its text (long text wraps instead), so nothing is cut.
                if let (Cell::Text(s), false) = (cell, c.kind == Kind::LongText) {
                    let fit = (display_width(s) as f64 + 1.5).min(MAX_TABLE_WIDTH);
                    self.widen(ci as u16, fit);
                }
            }
            let long = t
                .columns
                .iter()
                .zip(cells)
                .filter_map(|(c, cell)| match cell {
                    Cell::Text(s) if c.kind == Kind::LongText => Some(s.as_str()),
                    _ => None,
                });
            self.fit_wrapped(r, long)?;
        }
        self.close(header_row, &headers, &t.columns, n, t.empty_note.as_deref())?;
        Ok(Placed { first_row })
    }

    /// Writes a listing (a table of one row per record, possibly millions) streamed from
    /// `rows`: no row is held in memory, and body cells carry no cell format of their own
    /// (each column gets its body format once; the last row gets the bottom rule). Used on
    /// constant-memory worksheets, which need rows in order.
    pub fn listing<'r, I>(
        &mut self,
        caption: Option<&str>,
        columns: &[Column],
        rows: I,
        native: bool,
        empty_note: Option<&str>,
    ) -> Result<Placed, XlsxRenderError>
    where
        I: ExactSizeIterator,
        I::Item: AsRef<[Field<'r>]>,
    {
        let (header_row, headers) = self.header(caption, columns)?;
        let first_row = header_row + 1;
        let n = rows.len();
        if native {
            self.native_table(header_row, &headers, columns, n)?;
        }
        for (ci, c) in columns.iter().enumerate() {
            let f = self.format(c.kind, Role::Body).clone();
            self.ws.set_column_format(ci as u16, &f)?;
        }
        // The widest text of each column, to widen it past its kind's width (a term such as
        // "White blood cell decreased" would otherwise be cut by the next column).
        let mut widest = vec![0usize; columns.len()];
        for (ri, cells) in rows.enumerate() {
            let r = first_row + ri as u32;
            let cells = cells.as_ref();
            let last = ri + 1 == n;
            for (ci, c) in columns.iter().enumerate() {
                let field = cells.get(ci).unwrap_or(&Field::Blank);
                if let Field::Text(s) = field {
                    widest[ci] = widest[ci].max(display_width(s));
                }
                if last {
                    self.field(r, ci as u16, field, c.kind, Role::Last)?;
                } else {
                    self.plain_field(r, ci as u16, field, c.kind)?;
                }
            }
            let long = columns.iter().zip(cells).filter_map(|(c, f)| match f {
                Field::Text(s) if c.kind == Kind::LongText => Some(*s),
                _ => None,
            });
            self.fit_wrapped(r, long)?;
        }
        for (ci, c) in columns.iter().enumerate() {
            if c.kind != Kind::LongText {
                let w = (widest[ci] as f64 + 2.0).min(MAX_LISTING_WIDTH);
                self.widen(ci as u16, w);
            }
        }
        self.close(header_row, &headers, columns, n, empty_note)?;
        Ok(Placed { first_row })
    }

    /// Writes the caption and header row of a table; returns the header row and the
    /// (unique) header texts.
    fn header(
        &mut self,
        caption: Option<&str>,
        columns: &[Column],
    ) -> Result<(u32, Vec<String>), XlsxRenderError> {
        if let Some(c) = caption {
            self.caption(c)?;
        }
        let header_row = self.row;
        if self.first_header.is_none() {
            self.first_header = Some(header_row);
        }
        self.headers.push(header_row);
        self.table_cols = self.table_cols.max(columns.len() as u16);
        let headers = unique_headers(columns);
        let mut lines = 1usize;
        for (i, (c, h)) in columns.iter().zip(&headers).enumerate() {
            let ci = i as u16;
            let f = self.st.cell(c.kind, Role::Header);
            write_text(self.ws, header_row, ci, h, &f)?;
            self.widen(ci, self.st.width(c.kind));
            lines = lines.max(wrapped_lines(h, self.st.width(c.kind)));
        }
        if lines > 1 {
            // Wrapped headers: Excel does not grow the row on opening, so size it here.
            self.ws
                .set_row_height(header_row, lines as f64 * (self.st.size * 1.35) + 3.0)?;
        }
        Ok((header_row, headers))
    }

    /// Makes the table a native Excel table (filters) of `n` rows under `header_row`, when it
    /// has rows; a table longer than the layout's `native_table_max_rows` gets the sheet's
    /// worksheet filter instead (the first such table on the sheet). Called before the rows are written: the table rewrites its header cells,
    /// which a constant-memory worksheet accepts only while the header is the current row.
    fn native_table(
        &mut self,
        header_row: u32,
        headers: &[String],
        columns: &[Column],
        n: usize,
    ) -> Result<(), XlsxRenderError> {
        if n == 0 || columns.is_empty() {
            return Ok(());
        }
        let last_col = (columns.len() - 1) as u16;
        if n > self.st.native_table_max_rows && !self.has_autofilter {
            self.ws
                .autofilter(header_row, 0, header_row + n as u32, last_col)?;
            self.has_autofilter = true;
            return Ok(());
        }
        {
            let cols: Vec<TableColumn> = columns
                .iter()
                .zip(headers)
                .map(|(c, h)| {
                    TableColumn::new()
                        .set_header(h.as_str())
                        .set_header_format(self.st.cell(c.kind, Role::Header))
                })
                .collect();
            let table = Table::new()
                .set_columns(&cols)
                .set_style(self.st.table_style)
                .set_banded_rows(false);
            self.ws
                .add_table(header_row, 0, header_row + n as u32, last_col, &table)?;
        }
        Ok(())
    }

    /// Ends a table of `n` rows under `header_row`: for an empty table the bottom rule under
    /// the header and the note; moves the cursor one blank row below.
    fn close(
        &mut self,
        header_row: u32,
        headers: &[String],
        columns: &[Column],
        n: usize,
        empty_note: Option<&str>,
    ) -> Result<(), XlsxRenderError> {
        let first_row = header_row + 1;
        self.row = first_row + n as u32;
        if n == 0 {
            // The header is also the last row: close the table with the bottom rule.
            for (ci, (c, h)) in columns.iter().zip(headers).enumerate() {
                let f = self
                    .st
                    .cell(c.kind, Role::Header)
                    .set_border_bottom(self.st.rule_bottom);
                write_text(self.ws, header_row, ci as u16, h, &f)?;
            }
            if let Some(note) = empty_note {
                self.note(note)?;
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Sets column widths (hiding chart-data columns), freezes the panes under the first table
    /// header and sets up the printed page: landscape when `landscape` says so, or (`None`)
    /// when the sheet is wider than the styles' `landscape_above` characters; one page wide;
    /// the header row repeated on every page (the only table's header, or the sheet's title
    /// row when it holds several tables).
    pub fn finish(self, freeze: bool, landscape: Option<bool>) -> Result<(), XlsxRenderError> {
        for (c, w) in &self.widths {
            self.ws.set_column_width(*c, *w)?;
        }
        for c in &self.hidden_cols {
            self.ws.set_column_hidden(*c)?;
        }
        if freeze {
            if let Some(h) = self.first_header {
                self.ws.set_freeze_panes(h + 1, 0)?;
            }
        }
        if landscape.unwrap_or(self.print_width() > self.st.landscape_above) {
            self.ws.set_landscape();
        } else {
            self.ws.set_portrait();
        }
        match self.headers.as_slice() {
            [] => {}
            [h] => {
                self.ws.set_repeat_rows(*h, *h)?;
            }
            _ => {
                self.ws.set_repeat_rows(0, 0)?;
            }
        }
        Ok(())
    }
}

/// Widest a listing column grows to fit its text (long text wraps in `LongText` columns).
const MAX_LISTING_WIDTH: f64 = 40.0;

/// Widest a table column grows to fit its text.
const MAX_TABLE_WIDTH: f64 = 60.0;

/// Excel's default column width in characters.
const DEFAULT_WIDTH: f64 = 8.43;

/// Width of a note character relative to a column character (notes are set smaller).
const NOTE_CHAR: f64 = 0.9;

/// Columns a text needs (CJK characters count double).
fn display_width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars()
            .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
            .sum()
    }
}

/// Lines a header needs in a column `width` characters wide (CJK characters count double).
fn wrapped_lines(text: &str, width: f64) -> usize {
    let chars: f64 = text
        .chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2.0 } else { 1.0 })
        .sum();
    let usable = (width - 1.0).max(1.0);
    (chars / usable).ceil().max(1.0) as usize
}

/// Header texts made unique (Excel tables require it): a repeated header gets ` (2)`, ….
fn unique_headers(cols: &[Column]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    cols.iter()
        .map(|c| {
            let base = if c.header.trim().is_empty() {
                "-".to_string()
            } else {
                c.header.clone()
            };
            let k = seen.entry(base.to_lowercase()).or_insert(0);
            *k += 1;
            if *k == 1 {
                base
            } else {
                format!("{base} ({k})")
            }
        })
        .collect()
}
