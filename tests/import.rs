//! `ducha plan import` on the published seed notice and on short hand-made variants
//! (tests/fixtures/import/*.txt), plus property tests that no input makes the importer panic.

use ducha::data::raw::{RawPlan, RawTarget, RawTask};
use ducha::import::*;
use proptest::prelude::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");
/// SHA-256 of the published seed notice, of which tests/fixtures/import/seed.txt is a byte-exact
/// copy kept in the repository.
const SEED_SHA256: &str = "612966573e900799832e8bfcdfd7e2f0db606285a5173229a84e58f12bcf381c";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn seed() -> ImportResult {
    import_notice(&fixture("seed.txt"))
}

fn tasks(plan: &RawPlan) -> Vec<&RawTask> {
    plan.sections.iter().flat_map(|s| &s.tasks).collect()
}

fn task(plan: &RawPlan, n: u32) -> &RawTask {
    tasks(plan).into_iter().find(|t| t.number == n).unwrap_or_else(|| panic!("task {n} missing"))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// (text, kind, value, value_max, unit, comparison)
type T = (&'static str, &'static str, Option<f64>, Option<f64>, &'static str, &'static str);
type Owned = (String, String, Option<f64>, Option<f64>, String, String);

fn target_tuples(t: &RawTask) -> Vec<Owned> {
    t.targets
        .iter()
        .map(|g: &RawTarget| {
            (g.text.clone(), g.kind.clone(), g.value, g.value_max, g.unit.clone(), g.comparison.clone())
        })
        .collect()
}

fn expect_targets(plan: &RawPlan, n: u32, expected: &[T]) {
    let want: Vec<_> = expected
        .iter()
        .map(|(a, b, c, d, e, f)| (a.to_string(), b.to_string(), *c, *d, e.to_string(), f.to_string()))
        .collect();
    assert_eq!(target_tuples(task(plan, n)), want, "targets of task {n}");
}

// ---------------------------------------------------------------------------------------------
// The seed
// ---------------------------------------------------------------------------------------------

#[test]
fn seed_fixture_is_the_published_seed() {
    // Always runs: the fixture is in the repository, and a missing or edited copy fails here.
    use sha2::Digest;
    let bytes = std::fs::read(format!("{FIXTURES}/seed.txt"))
        .expect("tests/fixtures/import/seed.txt is part of the repository");
    let got: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(got, SEED_SHA256, "tests/fixtures/import/seed.txt is not the published seed notice");
}

#[test]
fn seed_has_11_sections_87_tasks_84_with_lead_units() {
    let r = seed();
    let p = &r.plan;
    assert_eq!(p.sections.len(), 11);
    let all = tasks(p);
    assert_eq!(all.len(), 87);
    let numbers: Vec<u32> = all.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (1..=87).collect::<Vec<_>>());
    assert_eq!(all.iter().filter(|t| !t.lead_units.is_empty()).count(), 84);
    for n in 85..=87 {
        let t = task(p, n);
        assert!(t.lead_units.is_empty() && t.participating_units.is_empty(), "task {n}");
        assert!(r.warnings.iter().any(|w| w.task == Some(n) && w.message.contains("未写明牵头单位")));
    }
    let per_section: Vec<usize> = p.sections.iter().map(|s| s.tasks.len()).collect();
    assert_eq!(per_section, [8, 8, 10, 11, 3, 10, 10, 11, 10, 3, 3]);
}

#[test]
fn seed_section_titles() {
    let p = seed().plan;
    let titles: Vec<(u32, &str)> = p.sections.iter().map(|s| (s.number, s.title.as_str())).collect();
    assert_eq!(
        titles,
        [
            (1, "深入实施创新驱动发展战略"),
            (2, "纵深推进新旧动能转换"),
            (3, "坚定不移扩大内需"),
            (4, "协同推进降碳减污扩绿增长"),
            (5, "深化区域协调发展"),
            (6, "推动乡村全面振兴"),
            (7, "深化改革扩大开放"),
            (8, "繁荣发展文化事业和文化产业"),
            (9, "扎实推进共同富裕"),
            (10, "坚决守好安全发展底线"),
            (11, "切实抓好组织实施"),
        ]
    );
}

#[test]
fn seed_header_and_trailer() {
    let p = seed().plan;
    assert_eq!(p.title, "莘县深化新旧动能转换推动绿色低碳高质量发展 2023 年重点工作任务");
    assert_eq!(p.doc_number.as_deref(), Some("莘政办发〔2023〕13号"));
    assert_eq!(p.issuer.as_deref(), Some("莘县人民政府办公室"));
    assert_eq!(
        p.notice_title.as_deref(),
        Some("莘县人民政府办公室关于印发莘县深化新旧动能转换推动绿色低碳高质量发展 2023 年重点工作任务的通知")
    );
    assert_eq!(p.date.as_deref(), Some("2023-06-12"));
    assert_eq!(p.recipients.as_deref(), Some("各镇人民政府（街道办事处），县属开发区管委会，县政府各部门、直属机构"));
    assert_eq!(p.year, Some(2023));
    let preamble = p.preamble.as_deref().unwrap();
    assert!(preamble.starts_with("为深入贯彻党的二十大精神，全面贯彻落实《国务院关于支持山东"));
    assert!(preamble.ends_with("制定 2023 年重点工作任务如下。"));
    assert_eq!(
        p.cc,
        strings(&["县委有关部门", "人大常委会办公室", "县政协办公室", "县监察委", "县法院", "县检察院", "县人武部"])
    );
    // The trailer is not part of the last task.
    let last = task(&p, 87);
    assert!(last.text.ends_with("依法依规追责问责。"), "{}", last.text);
}

#[test]
fn seed_units_of_tasks_across_all_sections() {
    let p = seed().plan;
    // (task, lead, participating), read off the notice by hand; at least one per section.
    let expected: &[(u32, &[&str], &[&str])] = &[
        (1, &["县科技局"], &[]),
        (2, &["县科技局", "县工业和信息化局", "县发展改革局"], &[]),
        (6, &["县科技局", "县财政局"], &["县地方金融监管局"]),
        (8, &["县委组织部", "县人力资源社会保障局", "县科技局", "县教育体育局", "县工业和信息化局"], &[]),
        (11, &["县工业和信息化局", "县商务投资促进局"], &[]),
        (16, &["县工业和信息化局", "县地方金融监管局", "人民银行莘县支行"], &[]),
        (17, &["县交通运输局"], &["县发展改革局"]),
        (18, &["县发展改革局"], &[]), // parenthesis with no final 。
        (22, &["县水利局"], &["县自然资源和规划局", "县农业农村局"]),
        (24, &["县住房城乡建设局"], &["县综合行政执法局"]), // half-width, on its own line
        (25, &["县政府办公室", "县水利局", "县住房城乡建设局", "县综合行政执法局", "县交警大队"], &[]),
        (27, &["县自然资源和规划局", "市生态环境局莘县分局"], &[]),
        (29, &["市生态环境局莘县分局", "县商务投资促进局", "县财政局"], &[]),
        (35, &["县工业和信息化局"], &["市生态环境局莘县分局"]),
        (39, &["县水利局"], &[]),
        (40, &["县发展改革局"], &[]),
        (42, &["县农业农村局"], &[]),
        (51, &["县政府办公室", "县行政审批局", "县司法局", "县市场监管局"], &[]),
        (55, &["县商务投资促进局", "县税务局", "人民银行莘县支行"], &[]),
        (56, &["县商务投资促进局"], &["县工业和信息化局", "县财政局"]),
        (57, &["县商务投资促进局"], &["县发展改革局", "县自然资源和规划局", "市生态环境局莘县分局"]),
        (59, &["县商务投资促进局"], &["县科技局", "县工业和信息化局", "县自然资源和规划局"]),
        (60, &["县商务投资促进局", "县贸促会"], &[]),
        (66, &["县委宣传部", "县文化和旅游局"], &[]), // label split by a page break, mixed brackets
        (67, &["县委宣传部"], &[]),
        (69, &["县文化和旅游局"], &[]),
        (75, &["县教育和体育局", "县体育运动和全民健身指导服务中心"], &[]),
        (76, &["县民政局", "县财政局", "县医保局"], &[]),
        (83, &["县应急管理局", "县市场监管局", "县水利局", "县地震监测中心"], &[]),
        (84, &["县地方金融监管局", "县财政局"], &[]),
        (85, &[], &[]),
    ];
    let sections: std::collections::BTreeSet<u32> = p
        .sections
        .iter()
        .filter(|s| s.tasks.iter().any(|t| expected.iter().any(|e| e.0 == t.number)))
        .map(|s| s.number)
        .collect();
    assert_eq!(sections.len(), 11, "expectations cover every section");
    for (n, lead, part) in expected {
        let t = task(&p, *n);
        assert_eq!(t.lead_units, strings(lead), "lead units of task {n}");
        assert_eq!(t.participating_units, strings(part), "participating units of task {n}");
    }
}

#[test]
fn seed_texts_are_joined_and_titles_are_first_sentences() {
    let p = seed().plan;
    let t1 = task(&p, 1);
    assert_eq!(t1.title, "加强实验室布局提升");
    assert!(t1.text.contains("布局建设市级重点实验室"));
    assert!(t1.text.ends_with("（牵头单位：县科技局）"));
    assert!(task(&p, 12).text.contains("推进企业开展DCMM 评估认证"));
    assert!(task(&p, 27).text.contains("全面做好耕地保护，"));
    assert!(task(&p, 30).text.contains("精准提升森林质量，"));
    assert!(task(&p, 69).text.contains("山东聊城(莘县)绿色蔬菜博览会"));
    assert!(task(&p, 69).text.contains("let's 购"));
    assert!(task(&p, 66).text.ends_with("（牵头单位：县委宣传部、县文化和旅游局)"));
    assert!(task(&p, 24).text.ends_with("等道路建设。(牵头单位:县住房城乡建设局,参与单位:县综合行政执法局)"));
    assert_eq!(task(&p, 18).title, "聚力攻坚能源项目");
    assert_eq!(task(&p, 33).title, "大力发展绿色建筑");
    assert_eq!(task(&p, 63).title, "深化拓展新时代文明实践中心建设");
    assert_eq!(task(&p, 87).title, "强化督导检查");
    // Parentheses that are not units stay in the text.
    assert!(task(&p, 85).text.contains("各镇（街道）发挥主体作用"));
    assert!(task(&p, 27).text.contains("《莘县国土空间总体规划(2021-2035年)》"));
    for t in tasks(&p) {
        assert!(!t.text.contains('\n'), "task {}", t.number);
        assert!(!t.title.is_empty() && !t.title.contains('。'), "task {}", t.number);
    }
}

#[test]
fn seed_targets_of_every_kind() {
    let p = seed().plan;
    expect_targets(
        &p,
        2,
        &[
            ("市级创新平台 5 家以上", "count", Some(5.0), None, "家", "at_least"),
            ("新增省级以上创新平台 1 家以上", "count", Some(1.0), None, "家", "at_least"),
        ],
    );
    expect_targets(
        &p,
        4,
        &[
            ("实施科技攻关项目 1-2 项", "count", Some(1.0), Some(2.0), "项", "range"),
            ("新增省级技术创新示范企业 1 家", "count", Some(1.0), None, "家", "exactly"),
            ("省级技术创新示范企业 1 家", "count", Some(1.0), None, "家", "exactly"),
            ("省级以上质量标杆 1 家", "count", Some(1.0), None, "家", "exactly"),
            ("专利授权量增长 12% 以上", "growth", Some(12.0), None, "%", "at_least"),
        ],
    );
    expect_targets(
        &p,
        5,
        &[
            ("培育高新技术企业 15 家以上", "count", Some(15.0), None, "家", "at_least"),
            ("科技型中小企业入库 70 家以上", "count", Some(70.0), None, "家", "at_least"),
        ],
    );
    // “人才新政 35 条” is a name, not a target.
    expect_targets(
        &p,
        8,
        &[
            ("引进省级以上人才 2 人", "count", Some(2.0), None, "人", "exactly"),
            ("海外人才 8 人", "count", Some(8.0), None, "人", "exactly"),
            ("高校毕业生 2400 人", "count", Some(2400.0), None, "人", "exactly"),
            ("新增企业技能人才自主评价备案单位 5 家以上", "count", Some(5.0), None, "家", "at_least"),
            ("全年新增技能人才 560 人以上", "count", Some(560.0), None, "人", "at_least"),
            ("其中新增高技能人才 280 人以上", "count", Some(280.0), None, "人", "at_least"),
        ],
    );
    // `投资 500 万元以上` qualifies the projects; it is not a target.
    expect_targets(
        &p,
        10,
        &[("滚动实施投资 500 万元以上技术改造项目 60 个左右", "count", Some(60.0), None, "个", "about")],
    );
    expect_targets(&p, 12, &[("推动 2 个左右数字经济项目落地", "count", Some(2.0), None, "个", "about")]);
    expect_targets(
        &p,
        13,
        &[
            ("新增省级智能工厂、数字化车间 1 家以上", "count", Some(1.0), None, "家", "at_least"),
            ("数字经济核心产业增加值增长 15% 以上", "growth", Some(15.0), None, "%", "at_least"),
            ("占 GDP 比重达到 3%", "level", Some(3.0), None, "%", "exactly"),
        ],
    );
    expect_targets(&p, 18, &[("新增新能源装机容量10万千瓦", "amount", Some(10.0), None, "万千瓦", "exactly")]);
    expect_targets(&p, 19, &[]);
    expect_targets(&p, 22, &[("全县水土保持率达到 94.906%", "level", Some(94.906), None, "%", "exactly")]);
    expect_targets(&p, 23, &[("力争新建成开通 5G 基站 300 个", "count", Some(300.0), None, "个", "exactly")]);
    expect_targets(
        &p,
        30,
        &[
            ("全县完成造林 600 亩", "amount", Some(600.0), None, "亩", "exactly"),
            ("完成森林抚育 3 万亩", "amount", Some(3.0), None, "万亩", "exactly"),
            ("完成历史遗留矿山修复面积 100 亩", "amount", Some(100.0), None, "亩", "exactly"),
        ],
    );
    expect_targets(
        &p,
        33,
        &[
            ("新增绿色建筑面积 35 万平方米", "amount", Some(35.0), None, "万平方米", "exactly"),
            ("城镇新建民用建筑中绿色建筑占比达到 95%以上", "level", Some(95.0), None, "%", "at_least"),
        ],
    );
    expect_targets(&p, 36, &[("实施雨污分流改造 10.5 公里", "amount", Some(10.5), None, "公里", "exactly")]);
    expect_targets(&p, 39, &[]);
    expect_targets(
        &p,
        42,
        &[
            ("全县粮食播种面积稳定在 173 万亩以上", "amount", Some(173.0), None, "万亩", "at_least"),
            ("粮食产量稳定在 20 亿斤以上", "amount", Some(20.0), None, "亿斤", "at_least"),
        ],
    );
    expect_targets(
        &p,
        47,
        &[
            ("全县生猪出栏 80 万头以上", "count", Some(80.0), None, "万头", "at_least"),
            ("全县出栏小肉食鸡 1.2 亿只以上", "count", Some(1.2), None, "亿只", "at_least"),
        ],
    );
    expect_targets(&p, 48, &[("全县省级畜禽屠宰标准化企业达到 2 家", "count", Some(2.0), None, "家", "exactly")]);
    expect_targets(
        &p,
        53,
        &[
            ("谋划县属企业重点项目 5 个", "count", Some(5.0), None, "个", "exactly"),
            ("力争年度投资 22.06 亿元", "amount", Some(22.06), None, "亿元", "exactly"),
        ],
    );
    expect_targets(&p, 66, &[("新增3家城市书房", "count", Some(3.0), None, "家", "exactly")]);
    expect_targets(
        &p,
        75,
        &[("机关、企事业单位体育场地开放比例达到 80% 以上", "level", Some(80.0), None, "%", "at_least")],
    );
    expect_targets(&p, 83, &[]);
    // No phrase in the seed needed a text fallback.
    assert!(tasks(&p).iter().flat_map(|t| &t.targets).all(|g| g.kind != "text"));
}

#[test]
fn seed_unit_register() {
    let r = seed();
    assert_eq!(r.units.len(), 34);
    let names: Vec<&str> = r.units.iter().map(|u| u.name.as_str()).collect();
    for name in [
        "县科技局",
        "县住房城乡建设局",
        "市生态环境局莘县分局",
        "人民银行莘县支行",
        "县教育和体育局",
        "县教育体育局",
        "县地震监测中心",
    ] {
        assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name}");
    }
    let unit = |n: &str| r.units.iter().find(|u| u.name == n).unwrap();
    assert_eq!(unit("县科技局").leads, [1, 2, 3, 4, 5, 6, 7, 8, 52]);
    assert_eq!(unit("县科技局").joins, [59]);
    assert_eq!(unit("市生态环境局莘县分局").leads, [27, 28, 29]);
    assert_eq!(unit("市生态环境局莘县分局").joins, [35, 57]);
    assert_eq!(unit("人民银行莘县支行").leads, [16, 55]);
    assert_eq!(unit("县地方金融监管局").joins, [6]);
    // Every lead/participating mention is in the register, and nothing else.
    for t in tasks(&r.plan) {
        for u in &t.lead_units {
            assert!(unit(u).leads.contains(&t.number));
        }
        for u in &t.participating_units {
            assert!(unit(u).joins.contains(&t.number));
        }
    }
    // The two spellings of the education bureau are flagged for the office to check.
    assert!(r.warnings.iter().any(|w| w.message.contains("县教育体育局") && w.message.contains("县教育和体育局")));
}

#[test]
fn seed_yaml_round_trips_and_is_readable() {
    let r = seed();
    let y = to_yaml(&r);
    let back: RawPlan = serde_yaml::from_str(&y).expect("plan.yaml parses");
    assert_eq!(back, r.plan);
    assert!(!y.contains("\\u"));
    assert!(y.contains("title: 莘县深化新旧动能转换推动绿色低碳高质量发展 2023 年重点工作任务\n"));
    assert!(y.contains("      value: 94.906\n"));
    assert!(y.contains("      value: 15\n"));
    assert!(!y.contains(".0\n"), "integral values print without .0");
    assert!(y.contains("# 单位名册（共 34 个单位"));
    assert!(y.contains("# 市生态环境局莘县分局：牵头 27、28、29；参与 35、57\n"));
    // Key order is RawPlan's field order.
    let keys: Vec<&str> = y
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && l.contains(':'))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["title", "doc_number", "issuer", "notice_title", "date", "recipients", "year", "preamble", "cc", "sections"]
    );
    assert_eq!(to_yaml(&seed()), y, "deterministic");
}

#[test]
fn seed_json_has_the_stable_shape() {
    let j = to_json(&seed());
    assert_eq!(j["title"], "莘县深化新旧动能转换推动绿色低碳高质量发展 2023 年重点工作任务");
    assert_eq!(j["doc_number"], "莘政办发〔2023〕13号");
    assert_eq!(j["sections"].as_array().unwrap().len(), 11);
    let s1 = &j["sections"][0];
    assert_eq!(s1["number"], 1);
    assert_eq!(s1["title"], "深入实施创新驱动发展战略");
    let t6 = &j["sections"][0]["tasks"][5];
    assert_eq!(t6["number"], 6);
    assert_eq!(t6["section"], 1);
    assert_eq!(t6["title"], "优化创新创业生态");
    assert_eq!(t6["lead_units"], serde_json::json!(["县科技局", "县财政局"]));
    assert_eq!(t6["participating_units"], serde_json::json!(["县地方金融监管局"]));
    let g = &j["sections"][0]["tasks"][1]["targets"][0];
    let keys: Vec<&String> = g.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["text", "kind", "value", "value_max", "unit", "comparison"]);
    assert!(g["value"].is_u64() || g["value"].is_i64());
    let total: usize = j["sections"].as_array().unwrap().iter().map(|s| s["tasks"].as_array().unwrap().len()).sum();
    assert_eq!(total, 87);
    assert_eq!(j["units"].as_array().unwrap().len(), 34);
    assert!(j["warnings"].as_array().unwrap().iter().all(|w| w["line"].is_u64() && w["message"].is_string()));
}

// ---------------------------------------------------------------------------------------------
// Hand-made variants
// ---------------------------------------------------------------------------------------------

#[test]
fn half_width_brackets_colons_commas_and_labels() {
    let r = import_notice(&fixture("halfwidth.txt"));
    let p = &r.plan;
    assert_eq!(p.doc_number.as_deref(), Some("阳政办发[2024]7号"));
    assert_eq!(p.date.as_deref(), Some("2024-03-05"));
    assert_eq!(p.recipients.as_deref(), Some("各镇人民政府(街道办事处),县政府各部门"));
    assert_eq!(p.title, "阳谷县 2024 年重点工作任务");
    assert_eq!(p.cc, strings(&["县委办公室", "县人大常委会办公室"]));
    // 1.xxx: no space after the number; 责任单位 / 配合单位.
    let t1 = task(p, 1);
    assert_eq!(t1.title, "加强平台建设");
    assert_eq!(t1.lead_units, strings(&["县科技局"]));
    assert_eq!(t1.participating_units, strings(&["县财政局", "县税务局"]));
    // 协办单位 after a `;`.
    assert_eq!(task(p, 2).participating_units, strings(&["县工业和信息化局"]));
    // Unit parenthesis on its own line after a blank line.
    let t3 = task(p, 3);
    assert_eq!(t3.lead_units, strings(&["县住房城乡建设局"]));
    assert_eq!(t3.participating_units, strings(&["县财政局"]));
    assert_eq!(tasks(p).len(), 3);
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

#[test]
fn numbering_styles_and_decimal_lines() {
    let r = import_notice(&fixture("numbering.txt"));
    let p = &r.plan;
    assert_eq!(p.title, "东阿县 2024 年重点工作任务");
    assert_eq!(p.doc_number, None);
    let numbers: Vec<(u32, &str)> = tasks(p).iter().map(|t| (t.number, t.title.as_str())).collect();
    assert_eq!(
        numbers,
        [(1, "发展新材料产业"), (2, "发展数字经济"), (3, "做强农业"), (4, "完善养老服务"), (5, "提升教育质量")]
    );
    // `10.5 公里` at the start of a line continues task 2; it is not task 10.
    let t2 = task(p, 2);
    assert!(t2.text.contains("实施雨污分流改造10.5 公里"), "{}", t2.text);
    assert_eq!(t2.targets[0].value, Some(10.5));
    assert_eq!(p.sections[1].tasks.len(), 2);
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

#[test]
fn page_break_in_mid_word_and_in_the_unit_label() {
    let r = import_notice(&fixture("pagebreak.txt"));
    let p = &r.plan;
    let t1 = task(p, 1);
    assert!(t1.text.contains("培育高新技术企业 15 家以上"), "{}", t1.text);
    assert!(t1.text.contains("推进企业开展DCMM 评估认证，支持 5G RedCap 应用。"), "{}", t1.text);
    assert!(!t1.text.contains('—'), "page number dropped: {}", t1.text);
    assert_eq!(t1.targets.len(), 1);
    let t2 = task(p, 2);
    assert!(t2.text.contains("布局建设市级重点实验室"));
    assert_eq!(t2.lead_units, strings(&["县科技局", "县财政局"]));
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

#[test]
fn unit_parenthesis_variants_and_unrelated_parentheses() {
    let r = import_notice(&fixture("units.txt"));
    let p = &r.plan;
    // Before the final 。, nested （街道）, trailing 等部门; the document number stays text.
    let t1 = task(p, 1);
    assert_eq!(t1.lead_units, strings(&["县民政局", "各镇（街道）"]));
    assert_eq!(t1.participating_units, strings(&["县财政局"]));
    assert!(t1.text.contains("完善各镇（街道）社区服务设施"));
    assert!(t1.text.contains("（高政发〔2023〕9号）要求"));
    assert_eq!(t1.targets.len(), 1, "{:#?}", t1.targets);
    // Trailing 等 / 等有关部门.
    let t2 = task(p, 2);
    assert_eq!(t2.lead_units, strings(&["县公安局"]));
    assert_eq!(t2.participating_units, strings(&["县司法局", "县信访局"]));
    // `X牵头，Y配合`.
    let t3 = task(p, 3);
    assert_eq!(t3.lead_units, strings(&["县应急管理局"]));
    assert_eq!(t3.participating_units, strings(&["县财政局", "县发展改革局"]));
    // No parenthesis: a bare label line.
    assert_eq!(task(p, 4).lead_units, strings(&["县民政局"]));
    // 责任部门 and an unrelated parenthesis in the text.
    let t5 = task(p, 5);
    assert_eq!(t5.lead_units, strings(&["县行政审批局"]));
    assert!(t5.text.contains("改革（含“一网通办”），"));
    assert_eq!(r.units.iter().find(|u| u.name == "县财政局").unwrap().joins, [1, 3]);
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

#[test]
fn targets_reduction_ceiling_range_about_and_unparseable() {
    let r = import_notice(&fixture("targets.txt"));
    let p = &r.plan;
    expect_targets(
        p,
        1,
        &[
            ("力争年度投资完成 50 亿元", "amount", Some(50.0), None, "亿元", "exactly"),
            ("新增就业 3000 人左右", "count", Some(3000.0), None, "人", "about"),
            ("建设 1～2 个产业园区", "count", Some(1.0), Some(2.0), "个", "range"),
        ],
    );
    expect_targets(
        p,
        2,
        &[
            ("单位 GDP 能耗下降 3%", "reduction", Some(3.0), None, "%", "exactly"),
            ("综合能耗降低 5 万吨标准煤", "reduction", Some(5.0), None, "万吨标准煤", "exactly"),
            ("城镇调查失业率控制在 5.5% 以内", "ceiling", Some(5.5), None, "%", "at_most"),
        ],
    );
    // Quoted names, years, dates and ordinals are not targets; the unknown unit is kept as text.
    expect_targets(p, 3, &[("引进项目资金 3 亿美金以上", "text", None, None, "亿美金", "at_least")]);
    let t4 = task(p, 4);
    assert_eq!(t4.targets.len(), 2);
    assert_eq!(
        (t4.targets[0].text.as_str(), t4.targets[0].kind.as_str(), t4.targets[0].value),
        ("PM2.5 平均浓度控制在 45 微克/立方米", "text", None)
    );
    assert_eq!(t4.targets[1].kind, "growth");
    // Each text target has its warning, with the line it is on.
    let text_warnings: Vec<&ImportWarning> = r.warnings.iter().filter(|w| w.message.contains("kind: text")).collect();
    assert_eq!(text_warnings.len(), 2, "{:#?}", r.warnings);
    assert_eq!((text_warnings[0].line, text_warnings[0].task), (9, Some(3)));
    assert!(text_warnings[0].message.contains("引进项目资金 3 亿美金以上"));
    assert_eq!((text_warnings[1].line, text_warnings[1].task), (11, Some(4)));
}

#[test]
fn subheadings_wrapped_headings_and_per_section_numbering() {
    let r = import_notice(&fixture("subheadings.txt"));
    let p = &r.plan;
    assert_eq!(p.sections.len(), 2);
    assert_eq!(p.sections[0].title, "扩大有效需求，推动经济稳中向好");
    assert_eq!(p.sections[1].title, "保障改善民生");
    let numbers: Vec<u32> = tasks(p).iter().map(|t| t.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    assert_eq!(task(p, 3).text, "开展促销活动。举办促销活动 30 场次。（牵头单位：区商务局）");
    assert_eq!(task(p, 3).targets[0].unit, "场次");
    assert_eq!(task(p, 4).title, "稳定就业");
    let messages: Vec<&str> = r.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("（一）扩大投资")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("（二）促进消费")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("重新编号")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("本部分任务由各牵头单位按季度报送进展")), "{messages:#?}");
}

#[test]
fn fixtures_round_trip_through_yaml() {
    for name in ["halfwidth.txt", "numbering.txt", "pagebreak.txt", "units.txt", "targets.txt", "subheadings.txt"] {
        let r = import_notice(&fixture(name));
        let back: RawPlan = serde_yaml::from_str(&to_yaml(&r)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, r.plan, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// No panic on any input
// ---------------------------------------------------------------------------------------------

fn check_any(text: &str) {
    let r = import_notice(text);
    let y = to_yaml(&r);
    let back: RawPlan = serde_yaml::from_str(&y).expect("to_yaml output parses");
    assert_eq!(back, r.plan);
    let _ = to_json(&r);
    // Old Mac files end lines with `\r` only; the importer counts those as lines too.
    let lines = if text.contains('\n') { text.split('\n').count() } else { text.split('\r').count() };
    for w in &r.warnings {
        assert!(w.line >= 1 && w.line <= lines, "{w:?}");
    }
}

/// Pieces that reach the parser's corners: numbering, headings, parentheses, labels, numbers.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("1. ".to_string()),
        Just("2．".to_string()),
        Just("3、".to_string()),
        Just("一、".to_string()),
        Just("十一、".to_string()),
        Just("（".to_string()),
        Just("）".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("牵头单位：".to_string()),
        Just("参与单位:".to_string()),
        Just("责任单位".to_string()),
        Just("县科技局".to_string()),
        Just("、".to_string()),
        Just("，".to_string()),
        Just("。".to_string()),
        Just("等部门".to_string()),
        Just("抄送：".to_string()),
        Just("2023 年 6 月 12 日".to_string()),
        Just("莘政办发〔2023〕13号".to_string()),
        Just("“".to_string()),
        Just("《".to_string()),
        Just("增长 12% 以上".to_string()),
        Just("1-2 项".to_string()),
        Just("达到 94.906%".to_string()),
        Just("控制在".to_string()),
        Just("万千瓦".to_string()),
        Just("以上".to_string()),
        Just("5G".to_string()),
        Just("10.5".to_string()),
        Just("１２".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        "[0-9]{1,20}",
        "\\PC{0,8}",
    ]
}

fn seed_lines() -> Vec<String> {
    fixture("seed.txt").split('\n').map(String::from).collect()
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Duplicate(usize),
    Cut(usize, usize),
    Swap(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Cut(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_any(&text);
    }

    #[test]
    fn notice_like_text_never_panics(pieces in proptest::collection::vec(piece(), 0..80)) {
        check_any(&pieces.concat());
    }

    #[test]
    fn mutated_seed_never_panics(edits in proptest::collection::vec(edit(), 1..12)) {
        let mut lines = seed_lines();
        for e in edits {
            if lines.is_empty() {
                break;
            }
            let n = lines.len();
            match e {
                Edit::Delete(i) => { lines.remove(i % n); }
                Edit::Duplicate(i) => { let l = lines[i % n].clone(); lines.insert(i % n, l); }
                Edit::Cut(i, k) => {
                    let l = &lines[i % n];
                    let chars: Vec<char> = l.chars().collect();
                    let k = if chars.is_empty() { 0 } else { k % chars.len() };
                    let (a, b): (String, String) = (chars[..k].iter().collect(), chars[k..].iter().collect());
                    lines[i % n] = a;
                    lines.insert(i % n + 1, b);
                }
                Edit::Swap(i, j) => lines.swap(i % n, j % n),
            }
        }
        let text = lines.join("\n");
        check_any(&text);
        // Deleting or duplicating a few lines never loses more than those lines' tasks.
        let r = import_notice(&text);
        let count = r.plan.sections.iter().map(|s| s.tasks.len()).sum::<usize>();
        prop_assert!(count <= 87 + 12);
    }
}

// ---------------------------------------------------------------------------------------------
// How other published plans write their units (issue: the unit phrasings other counties use)
//
// Each fixture is a short excerpt of a published 重点工作任务 / 责任分工 notice, shortened and
// lightly rewritten, keeping its unit phrasing character for character. The source kind is named
// above each test.
// ---------------------------------------------------------------------------------------------

/// (lead, participating) of task `n`.
fn units_of(plan: &RawPlan, n: u32) -> (Vec<String>, Vec<String>) {
    let t = task(plan, n);
    (t.lead_units.clone(), t.participating_units.clone())
}

fn pair(lead: &[&str], participating: &[&str]) -> (Vec<String>, Vec<String>) {
    (strings(lead), strings(participating))
}

/// (line, task) of the warnings whose message contains `needle`.
fn warned(r: &ImportResult, needle: &str) -> Vec<(usize, Option<u32>)> {
    r.warnings.iter().filter(|w| w.message.contains(needle)).map(|w| (w.line, w.task)).collect()
}

/// District 分工方案 (辽宁, 2023): `牵头单位:` and `责任单位:` on lines of their own after the
/// task, half-width colons, no brackets; 责任单位 beside 牵头单位 are the participating units.
#[test]
fn label_lines_after_the_task_lead_and_responsible() {
    let r = import_notice(&fixture("label_lines.txt"));
    let p = &r.plan;
    assert_eq!(p.title, "立山区政府2023年重点工作任务分解和责任分工方案");
    assert_eq!(units_of(p, 1), pair(&["区发改局"], &["立山经济开发区", "全区经济运行各专班"]));
    assert_eq!(units_of(p, 2), pair(&["区工信局"], &["立山经济开发区"]));
    assert_eq!(units_of(p, 3), pair(&["区发改局"], &["立山经济开发区", "各街道", "区直各部门"]));
    assert_eq!(units_of(p, 4), pair(&["区发改局"], &["各街道", "各相关单位"]));
    // The label lines stay in the text; title and target come from the sentence.
    let t1 = task(p, 1);
    assert_eq!(
        t1.text,
        "努力实现地区生产总值增长6.2%左右。牵头单位:区发改局责任单位:立山经济开发区,全区经济运行各专班"
    );
    assert_eq!(t1.title, "努力实现地区生产总值增长6.2%左右");
    expect_targets(p, 1, &[("努力实现地区生产总值增长6.2%左右", "growth", Some(6.2), None, "%", "about")]);
    // The last task names no unit: one warning, on its line.
    assert_eq!(warned(&r, "未写明牵头单位"), [(45, Some(5))]);
    assert_eq!(r.warnings.len(), 1, "{:#?}", r.warnings);
}

/// County 重要工作事项责任分工 (山东, 2025): `（牵头单位：…）` alone, and
/// `（牵头单位：…；责任单位：…等）`.
#[test]
fn lead_label_beside_responsible_label() {
    let r = import_notice(&fixture("lead_and_responsible.txt"));
    let p = &r.plan;
    assert_eq!(p.title, "2025年金乡县政府重要工作事项责任分工");
    assert_eq!(p.date.as_deref(), Some("2025-02-28"));
    assert_eq!(units_of(p, 1), pair(&["县发展和改革局"], &[]));
    assert_eq!(units_of(p, 3), pair(&["县工业和信息化局"], &[]));
    assert_eq!(
        units_of(p, 4),
        pair(&["县政府园区发展服务中心"], &["新材料产业园", "高端装备产业园", "食品产业园", "商贸物流园"])
    );
    assert_eq!(task(p, 4).title, "修编经济开发区整体规划，提升完善各产业园发展规划");
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

/// County 责任分解 (湖北, 2021): the unit list in square brackets because a name carries a
/// parenthesis (`县发改局（粮食局）`), `；` between the labels, `，` inside a list. The source
/// numbers these tasks `（一）`; the excerpt numbers them `1.`.
#[test]
fn square_bracket_unit_lists() {
    let r = import_notice(&fixture("square_brackets.txt"));
    let p = &r.plan;
    assert_eq!(p.doc_number.as_deref(), Some("嘉政办发〔2021〕5号"));
    assert_eq!(units_of(p, 1), pair(&["县发改局（粮食局）"], &["各镇人民政府", "嘉鱼经济开发区"]));
    assert_eq!(units_of(p, 2), pair(&["县财政局"], &["县税务局", "各镇人民政府", "嘉鱼经济开发区"]));
    assert_eq!(units_of(p, 4), pair(&["县发改局（粮食局）", "县农业农村局"], &["各镇人民政府"]));
    let t1 = task(p, 1);
    assert_eq!(t1.text, "地区生产总值增长11%。[牵头单位：县发改局（粮食局）；责任单位：各镇人民政府，嘉鱼经济开发区]");
    expect_targets(p, 1, &[("地区生产总值增长11%", "growth", Some(11.0), None, "%", "exactly")]);
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
    let register: Vec<&str> = r.units.iter().map(|u| u.name.as_str()).collect();
    assert!(!register.iter().any(|n| n.contains(['[', ']', '：'])), "{register:?}");
}

/// City 工作要点 (陕西, 2022): `（A、B牵头，C及D按职责分工负责）` — the units that share the
/// work out participate, `及` joins two units.
#[test]
fn lead_then_share_out_by_duty() {
    let r = import_notice(&fixture("share_out.txt"));
    let p = &r.plan;
    assert_eq!(
        units_of(p, 1),
        pair(&["市政府办公室", "市行政审批制度改革工作领导小组办公室"], &["市级各有关部门", "各县市区政府"])
    );
    assert_eq!(units_of(p, 2), pair(&["市政府办公室"], &["市级各有关部门"]));
    assert_eq!(task(p, 1).title, "全面实施行政许可事项清单管理");
    assert!(task(p, 1).text.ends_with(
        "（市政府办公室、市行政审批制度改革工作领导小组办公室牵头，市级各有关部门及各县市区政府按职责分工负责）"
    ));
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

/// State Council 部门分工意见 (2020; 2018 as reported): `(…分别负责，年内持续推进)` — the
/// deadline is no unit: it stays in the text and is a warning on its line; `…等14部门按照职责
/// 分工负责` with no one else leading: they lead, the count is dropped.
#[test]
fn each_responsible_deadline_clause_and_counted_departments() {
    let r = import_notice(&fixture("shared_each.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["国务院各部门"], &[]));
    assert!(task(p, 1).text.ends_with("(国务院各部门分别负责，年内持续推进)"), "{}", task(p, 1).text);
    let w = warned(&r, "年内持续推进");
    assert_eq!(w, [(7, Some(1))]);
    assert_eq!(units_of(p, 2), pair(&["生态环境部", "国家发展改革委", "科技部"], &[]));
    // Nothing else about units was doubtful.
    assert!(r.warnings.iter().all(|w| w.task != Some(2)), "{:#?}", r.warnings);
}

/// `（A、B按职责分别负责）`: each unit leads its own part; beside a 牵头 unit they participate.
/// On main the role phrase was cut at `分别负责`, leaving a unit “市卫生健康委按职责”.
#[test]
fn units_by_duty_each_responsible() {
    let r = import_notice(&fixture("duty_each.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["市教育局", "市卫生健康委"], &[]));
    assert_eq!(units_of(p, 2), pair(&["市卫生健康委"], &["市教育局", "市民政局"]));
    assert_eq!(units_of(p, 3), pair(&["市体育局", "市教育局"], &[]));
    assert!(r.units.iter().all(|u| !u.name.contains("职责")), "{:?}", r.units);
    assert!(r.warnings.iter().all(|w| w.task.is_none()), "{:#?}", r.warnings);
}

/// City 实施意见 (广东, 2021): a single `（A、B、C、D负责）`: every unit named leads.
#[test]
fn several_units_responsible() {
    let r = import_notice(&fixture("single_responsible.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["市人力资源社会保障局", "市医保局", "市财政局", "市税务局"], &[]));
    assert_eq!(units_of(p, 2), pair(&["市残联", "市财政局", "市税务局"], &[]));
    assert_eq!(r.units.iter().find(|u| u.name == "市财政局").map(|u| u.leads.clone()), Some(vec![1, 2]));
    assert!(r.warnings.iter().all(|w| w.task.is_none()), "{:#?}", r.warnings);
}

/// City 行动方案 (广东, 2019): an unlabelled list with the note `排名第一位为牵头单位，下同`;
/// the next list has no note and follows the same rule. The source numbers tasks `（一）`.
#[test]
fn first_listed_unit_leads_by_a_note_and_below() {
    let r = import_notice(&fixture("first_listed.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["市教育局"], &["市委农办", "各县<市、区>人民政府"]));
    assert_eq!(units_of(p, 2), pair(&["市教育局"], &["市委编办", "市财政局"]));
    assert_eq!(task(p, 2).title, "建立健全联席会议制度");
    assert_eq!(units_of(p, 3), pair(&[], &[]));
    assert_eq!(warned(&r, "未写明牵头单位"), [(11, Some(3))]);
    assert_eq!(r.warnings.len(), 1, "{:#?}", r.warnings);
}

/// City 责任分解 notice (浙江, 2020): the notice says once `列第一位的责任单位为牵头单位`; the
/// lists themselves carry no label.
#[test]
fn first_listed_unit_leads_as_the_notice_says() {
    let r = import_notice(&fixture("first_listed_notice.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["市人力社保局"], &["市财政局", "市税务局"]));
    assert_eq!(units_of(p, 2), pair(&["市经信局"], &[]));
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
    // Without that sentence, the same lists are ordinary parentheses.
    let without = fixture("first_listed_notice.txt").replace("列第一位的责任单位为牵头单位或汇总单位。", "");
    let r = import_notice(&without);
    assert_eq!(units_of(&r.plan, 1), pair(&[], &[]));
    assert_eq!(warned(&r, "未写明牵头单位").len(), 2);
}

/// City 规划责任分解 (山西, 2017): `(1)…(2)…` sub-items, then `(责任单位:…)` on its own line,
/// half-width, nested `(市、区)`: 责任单位 alone lead.
#[test]
fn responsible_label_alone_after_sub_items() {
    let r = import_notice(&fixture("responsible_alone.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["市直各有关单位", "各县(市、区)人民政府", "各开发区管委会"], &[]));
    assert_eq!(units_of(p, 2), pair(&["市应急办", "各县(市、区)人民政府"], &[]));
    assert!(task(p, 1).text.contains("(2)加强应急预案演练"), "{}", task(p, 1).text);
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

/// District 责任分解方案 (湖北, 2023): a target without a final 。, then `责任单位:` on the next
/// line. The source numbers tasks `（一）`.
#[test]
fn responsible_label_on_the_next_line_without_a_full_stop() {
    let r = import_notice(&fixture("responsible_lines.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["区发展和改革局"], &[]));
    assert_eq!(units_of(p, 2), pair(&["区科技和经信局"], &[]));
    assert_eq!(task(p, 2).title, "规上工业增加值增长12%以上");
    expect_targets(p, 2, &[("规上工业增加值增长12%以上", "growth", Some(12.0), None, "%", "at_least")]);
    assert_eq!(r.units.iter().find(|u| u.name == "区发展和改革局").map(|u| u.leads.clone()), Some(vec![1, 3]));
    assert!(r.warnings.is_empty(), "{:#?}", r.warnings);
}

/// The phrasings named in the issue, as a county would write them (no published notice in the
/// searched material used 牵头部门/配合部门 labels): `…部门` labels, `A牵头，B、C配合`, `A负责`,
/// `A牵头，各乡镇（街道）按职责抓好落实`, `A、B等单位按职责分工负责`, and a deadline inside the
/// unit parenthesis on its own line.
#[test]
fn department_labels_role_after_name_and_share_out() {
    let r = import_notice(&fixture("departments.txt"));
    let p = &r.plan;
    assert_eq!(units_of(p, 1), pair(&["县发改局"], &["县财政局", "县自然资源局"]));
    assert_eq!(units_of(p, 2), pair(&["县行政审批局"], &[]));
    assert_eq!(units_of(p, 3), pair(&["县发改局"], &["县财政局", "县自然资源局"]));
    assert_eq!(units_of(p, 4), pair(&["县教体局"], &[]));
    assert_eq!(units_of(p, 5), pair(&["县住建局"], &["各乡镇（街道）"]));
    assert_eq!(units_of(p, 6), pair(&["县应急局", "县公安局"], &[]));
    assert_eq!(units_of(p, 7), pair(&["县自然资源局"], &["县农业农村局"]));
    assert_eq!(task(p, 7).text, "加强耕地保护。（县自然资源局牵头负责，县农业农村局配合，2024年底前完成）");
    // The deadline is reported on the line it is on (the parenthesis line, not the task's first).
    assert_eq!(warned(&r, "2024年底前完成"), [(22, Some(7))]);
    assert_eq!(r.warnings.len(), 1, "{:#?}", r.warnings);
    expect_targets(p, 1, &[("新开工重点项目 30 个以上", "count", Some(30.0), None, "个", "at_least")]);
}

const UNIT_STYLE_FIXTURES: &[&str] = &[
    "label_lines.txt",
    "lead_and_responsible.txt",
    "square_brackets.txt",
    "share_out.txt",
    "shared_each.txt",
    "duty_each.txt",
    "single_responsible.txt",
    "first_listed.txt",
    "first_listed_notice.txt",
    "responsible_alone.txt",
    "responsible_lines.txt",
    "departments.txt",
];

#[test]
fn no_label_or_role_phrase_is_glued_to_a_unit_name() {
    let mut names = UNIT_STYLE_FIXTURES.to_vec();
    names.extend(["seed.txt", "units.txt", "halfwidth.txt"]);
    for name in names {
        let r = import_notice(&fixture(name));
        for u in &r.units {
            let n = u.name.as_str();
            let glued = n.contains(['：', ':', '。', '，', '；'])
                || ["单位", "部门"].iter().any(|w| n.contains(&format!("{w}：")))
                || ["牵头", "配合", "负责", "参与", "协办", "按职责", "落实", "推进"].iter().any(|w| n.ends_with(w))
                || n.starts_with(['由', '、']);
            assert!(!glued, "{name}: unit “{n}”");
            let t: Vec<&RawTask> = tasks(&r.plan);
            // Lead and participating never share a unit within a task.
            for task in t {
                assert!(
                    task.lead_units.iter().all(|l| !task.participating_units.contains(l)),
                    "{name}: task {}",
                    task.number
                );
            }
        }
    }
}

#[test]
fn unit_style_fixtures_round_trip_through_yaml() {
    for name in UNIT_STYLE_FIXTURES {
        let r = import_notice(&fixture(name));
        let back: RawPlan = serde_yaml::from_str(&to_yaml(&r)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, r.plan, "{name}");
    }
}

/// Pieces of the unit phrasings above, to shake the unit reader.
fn unit_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\n".to_string()),
        Just("1. 任务。".to_string()),
        Just("2.".to_string()),
        Just("（".to_string()),
        Just("）".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("【".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("牵头部门：".to_string()),
        Just("配合部门:".to_string()),
        Just("责任单位:".to_string()),
        Just("牵头责任单位：".to_string()),
        Just("县发改局".to_string()),
        Just("各乡镇（街道）".to_string()),
        Just("牵头".to_string()),
        Just("配合".to_string()),
        Just("负责".to_string()),
        Just("分别负责".to_string()),
        Just("按职责分工负责".to_string()),
        Just("按职责抓好落实".to_string()),
        Just("等14部门".to_string()),
        Just("等单位".to_string()),
        Just("及".to_string()),
        Just("和".to_string()),
        Just("由".to_string()),
        Just("排名第一位为牵头单位".to_string()),
        Just("下同".to_string()),
        Just("列第一位的责任单位为牵头单位。".to_string()),
        Just("2024年底前完成".to_string()),
        Just("、".to_string()),
        Just("，".to_string()),
        Just("；".to_string()),
        Just("。".to_string()),
        "\\PC{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn unit_phrasings_never_panic(pieces in proptest::collection::vec(unit_piece(), 0..60)) {
        let text = pieces.concat();
        check_any(&text);
        // Every unit read is non-empty and appears in the text it came from.
        let r = import_notice(&text);
        for t in tasks(&r.plan) {
            for u in t.lead_units.iter().chain(&t.participating_units) {
                prop_assert!(!u.is_empty());
                prop_assert!(t.text.contains(u.as_str()), "“{}” not in “{}”", u, t.text);
            }
        }
    }

    #[test]
    fn unit_style_fixtures_mutated_never_panic(
        which in 0..UNIT_STYLE_FIXTURES.len(),
        cut in any::<usize>(),
        insert in unit_piece(),
    ) {
        let text = fixture(UNIT_STYLE_FIXTURES[which]);
        let chars: Vec<char> = text.chars().collect();
        let at = if chars.is_empty() { 0 } else { cut % chars.len() };
        let mutated: String = chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[at..].iter()).collect();
        check_any(&mutated);
    }
}
