//! The generated data dictionary names every column of the schema, each with its status and
//! rules, and every code of every code list (`cargo xtask docs --check` keeps it fresh).

use iapt_schema::Schema;

#[test]
fn the_data_dictionary_has_every_column_and_code() {
    let text = std::fs::read_to_string(xtask::root().join("docs/dataset.md")).unwrap();
    let schema = Schema::builtin();
    for sheet in &schema.sheets {
        let section = text.split(&format!("## Sheet `{}`", sheet.name)).nth(1).expect("a section per sheet");
        let section = section.split("\n## ").next().unwrap();
        for c in &sheet.columns {
            let row = section
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", c.name)))
                .unwrap_or_else(|| panic!("{}.{} is not in docs/dataset.md", sheet.name, c.name));
            assert!(row.contains(&format!("| {}", c.status.letter())), "{row}");
            assert!(row.contains("(rules.md#iapt-") || c.status == iapt_schema::Status::Optional, "{row}");
        }
    }
    for list in &schema.code_lists {
        let section = text.split(&format!("### `{}`", list.name)).nth(1).expect("a section per code list");
        let section = section.split("\n### ").next().unwrap();
        for code in &list.codes {
            assert!(section.contains(&format!("| `{}` | {} |", code.code, code.label)), "{}: {}", list.name, code.code);
        }
    }
}
