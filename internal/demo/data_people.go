package demo

// The names and places the breach scenario's customers are made of:
// common Japanese family and given names with their readings and
// romanisations (for e-mail addresses), and real cities of every
// prefecture with the first three digits of their postal codes.

// nameParts is a name, its reading in katakana and a romanisation.
type nameParts struct{ kanji, kana, romaji string }

// familyNames are common family names, most common first: earlier ones
// are drawn more often.
var familyNames = []nameParts{
	{"佐藤", "サトウ", "sato"}, {"鈴木", "スズキ", "suzuki"}, {"高橋", "タカハシ", "takahashi"}, {"田中", "タナカ", "tanaka"},
	{"伊藤", "イトウ", "ito"}, {"渡辺", "ワタナベ", "watanabe"}, {"山本", "ヤマモト", "yamamoto"}, {"中村", "ナカムラ", "nakamura"},
	{"小林", "コバヤシ", "kobayashi"}, {"加藤", "カトウ", "kato"}, {"吉田", "ヨシダ", "yoshida"}, {"山田", "ヤマダ", "yamada"},
	{"佐々木", "ササキ", "sasaki"}, {"山口", "ヤマグチ", "yamaguchi"}, {"松本", "マツモト", "matsumoto"}, {"井上", "イノウエ", "inoue"},
	{"木村", "キムラ", "kimura"}, {"林", "ハヤシ", "hayashi"}, {"斎藤", "サイトウ", "saito"}, {"清水", "シミズ", "shimizu"},
	{"山崎", "ヤマザキ", "yamazaki"}, {"森", "モリ", "mori"}, {"池田", "イケダ", "ikeda"}, {"橋本", "ハシモト", "hashimoto"},
	{"阿部", "アベ", "abe"}, {"石川", "イシカワ", "ishikawa"}, {"山下", "ヤマシタ", "yamashita"}, {"中島", "ナカジマ", "nakajima"},
	{"石井", "イシイ", "ishii"}, {"小川", "オガワ", "ogawa"}, {"前田", "マエダ", "maeda"}, {"岡田", "オカダ", "okada"},
	{"長谷川", "ハセガワ", "hasegawa"}, {"藤田", "フジタ", "fujita"}, {"後藤", "ゴトウ", "goto"}, {"近藤", "コンドウ", "kondo"},
	{"村上", "ムラカミ", "murakami"}, {"遠藤", "エンドウ", "endo"}, {"青木", "アオキ", "aoki"}, {"坂本", "サカモト", "sakamoto"},
	{"斉藤", "サイトウ", "saito"}, {"福田", "フクダ", "fukuda"}, {"太田", "オオタ", "ota"}, {"西村", "ニシムラ", "nishimura"},
	{"藤井", "フジイ", "fujii"}, {"金子", "カネコ", "kaneko"}, {"岡本", "オカモト", "okamoto"}, {"藤原", "フジワラ", "fujiwara"},
	{"中野", "ナカノ", "nakano"}, {"三浦", "ミウラ", "miura"}, {"原田", "ハラダ", "harada"}, {"中川", "ナカガワ", "nakagawa"},
	{"松田", "マツダ", "matsuda"}, {"竹内", "タケウチ", "takeuchi"}, {"小野", "オノ", "ono"}, {"田村", "タムラ", "tamura"},
	{"中山", "ナカヤマ", "nakayama"}, {"和田", "ワダ", "wada"}, {"石田", "イシダ", "ishida"}, {"森田", "モリタ", "morita"},
	{"上田", "ウエダ", "ueda"}, {"原", "ハラ", "hara"}, {"内田", "ウチダ", "uchida"}, {"柴田", "シバタ", "shibata"},
	{"酒井", "サカイ", "sakai"}, {"宮崎", "ミヤザキ", "miyazaki"}, {"横山", "ヨコヤマ", "yokoyama"}, {"高木", "タカギ", "takagi"},
	{"安藤", "アンドウ", "ando"}, {"宮本", "ミヤモト", "miyamoto"}, {"大野", "オオノ", "ohno"}, {"小島", "コジマ", "kojima"},
	{"谷口", "タニグチ", "taniguchi"}, {"今井", "イマイ", "imai"}, {"工藤", "クドウ", "kudo"}, {"高田", "タカダ", "takada"},
	{"増田", "マスダ", "masuda"}, {"丸山", "マルヤマ", "maruyama"}, {"杉山", "スギヤマ", "sugiyama"}, {"村田", "ムラタ", "murata"},
	{"大塚", "オオツカ", "otsuka"}, {"新井", "アライ", "arai"}, {"小山", "コヤマ", "koyama"}, {"平野", "ヒラノ", "hirano"},
	{"藤本", "フジモト", "fujimoto"}, {"河野", "コウノ", "kono"}, {"上野", "ウエノ", "ueno"}, {"野口", "ノグチ", "noguchi"},
	{"武田", "タケダ", "takeda"}, {"松井", "マツイ", "matsui"}, {"千葉", "チバ", "chiba"}, {"岩崎", "イワサキ", "iwasaki"},
	{"菅原", "スガワラ", "sugawara"}, {"木下", "キノシタ", "kinoshita"}, {"久保", "クボ", "kubo"}, {"佐野", "サノ", "sano"},
	{"野村", "ノムラ", "nomura"}, {"松尾", "マツオ", "matsuo"}, {"市川", "イチカワ", "ichikawa"}, {"菊地", "キクチ", "kikuchi"},
	{"杉本", "スギモト", "sugimoto"}, {"大西", "オオニシ", "onishi"}, {"島田", "シマダ", "shimada"}, {"比嘉", "ヒガ", "higa"},
}

// givenNamesF and givenNamesM are given names.
var givenNamesF = []nameParts{
	{"花子", "ハナコ", "hanako"}, {"陽子", "ヨウコ", "yoko"}, {"恵子", "ケイコ", "keiko"}, {"由美", "ユミ", "yumi"},
	{"美穂", "ミホ", "miho"}, {"直美", "ナオミ", "naomi"}, {"裕子", "ユウコ", "yuko"}, {"智子", "トモコ", "tomoko"},
	{"久美子", "クミコ", "kumiko"}, {"真由美", "マユミ", "mayumi"}, {"明美", "アケミ", "akemi"}, {"香織", "カオリ", "kaori"},
	{"美香", "ミカ", "mika"}, {"愛", "アイ", "ai"}, {"彩", "アヤ", "aya"}, {"舞", "マイ", "mai"},
	{"美咲", "ミサキ", "misaki"}, {"沙織", "サオリ", "saori"}, {"恵", "メグミ", "megumi"}, {"陽菜", "ヒナ", "hina"},
	{"結衣", "ユイ", "yui"}, {"葵", "アオイ", "aoi"}, {"さくら", "サクラ", "sakura"}, {"奈々", "ナナ", "nana"},
	{"千尋", "チヒロ", "chihiro"}, {"理恵", "リエ", "rie"}, {"幸子", "サチコ", "sachiko"}, {"京子", "キョウコ", "kyoko"},
	{"真理子", "マリコ", "mariko"}, {"紀子", "ノリコ", "noriko"}, {"亜希子", "アキコ", "akiko"}, {"美和", "ミワ", "miwa"},
	{"友美", "トモミ", "tomomi"}, {"絵美", "エミ", "emi"}, {"瞳", "ヒトミ", "hitomi"}, {"静香", "シズカ", "shizuka"},
	{"夏美", "ナツミ", "natsumi"}, {"麻衣", "マイ", "mai"}, {"優奈", "ユウナ", "yuna"}, {"里奈", "リナ", "rina"},
}

var givenNamesM = []nameParts{
	{"太郎", "タロウ", "taro"}, {"一郎", "イチロウ", "ichiro"}, {"健", "ケン", "ken"}, {"誠", "マコト", "makoto"},
	{"浩", "ヒロシ", "hiroshi"}, {"隆", "タカシ", "takashi"}, {"修", "オサム", "osamu"}, {"学", "マナブ", "manabu"},
	{"大輔", "ダイスケ", "daisuke"}, {"健太", "ケンタ", "kenta"}, {"拓也", "タクヤ", "takuya"}, {"翔太", "ショウタ", "shota"},
	{"直樹", "ナオキ", "naoki"}, {"和也", "カズヤ", "kazuya"}, {"達也", "タツヤ", "tatsuya"}, {"剛", "ツヨシ", "tsuyoshi"},
	{"聡", "サトシ", "satoshi"}, {"亮", "リョウ", "ryo"}, {"大樹", "ダイキ", "daiki"}, {"陽介", "ヨウスケ", "yosuke"},
	{"俊介", "シュンスケ", "shunsuke"}, {"哲也", "テツヤ", "tetsuya"}, {"雄一", "ユウイチ", "yuichi"}, {"康弘", "ヤスヒロ", "yasuhiro"},
	{"正樹", "マサキ", "masaki"}, {"英樹", "ヒデキ", "hideki"}, {"昌平", "ショウヘイ", "shohei"}, {"悠人", "ユウト", "yuto"},
	{"蓮", "レン", "ren"}, {"大翔", "ヒロト", "hiroto"}, {"湊", "ミナト", "minato"}, {"智也", "トモヤ", "tomoya"},
	{"光", "ヒカル", "hikaru"}, {"勝", "マサル", "masaru"}, {"博之", "ヒロユキ", "hiroyuki"}, {"信也", "シンヤ", "shinya"},
	{"慎一", "シンイチ", "shinichi"}, {"実", "ミノル", "minoru"}, {"浩二", "コウジ", "koji"}, {"翼", "ツバサ", "tsubasa"},
}

// foreignNames are customers who shop in English: the name as they write
// it, its reading in katakana, and the e-mail's local part.
var foreignNames = []nameParts{
	{"Emily Clark", "エミリー クラーク", "emily.clark"}, {"James Wilson", "ジェームズ ウィルソン", "j.wilson"},
	{"Sarah Brown", "サラ ブラウン", "sarah.brown"}, {"Michael Lee", "マイケル リー", "mlee"},
	{"David Kim", "デイビッド キム", "david.kim"}, {"Laura Martin", "ローラ マーティン", "laura.m"},
	{"Thomas Evans", "トーマス エバンズ", "tom.evans"}, {"Olivia Chen", "オリビア チェン", "olivia.chen"},
	{"Daniel Garcia", "ダニエル ガルシア", "dgarcia"}, {"Sophie Dubois", "ソフィー デュボワ", "sophie.dubois"},
}

// city is a real municipality (a ward for the largest cities) and the
// first three digits of its postal codes.
type city struct {
	name    string
	postals []string
}

// prefectureCities are the cities customers live in, by JIS prefecture
// code, with the prefecture's population in hundred thousands (how often
// its customers appear).
var prefectureCities = map[int]struct {
	people int
	cities []city
}{
	1:  {51, []city{{"札幌市中央区", []string{"060", "064"}}, {"札幌市北区", []string{"001", "002"}}, {"旭川市", []string{"070", "078"}}, {"函館市", []string{"040", "041"}}}},
	2:  {12, []city{{"青森市", []string{"030", "038"}}, {"弘前市", []string{"036"}}, {"八戸市", []string{"031", "039"}}}},
	3:  {12, []city{{"盛岡市", []string{"020"}}, {"一関市", []string{"021"}}, {"奥州市", []string{"023"}}}},
	4:  {23, []city{{"仙台市青葉区", []string{"980", "981"}}, {"仙台市泉区", []string{"981"}}, {"石巻市", []string{"986"}}}},
	5:  {9, []city{{"秋田市", []string{"010"}}, {"横手市", []string{"013"}}, {"大館市", []string{"017"}}}},
	6:  {10, []city{{"山形市", []string{"990"}}, {"鶴岡市", []string{"997"}}, {"米沢市", []string{"992"}}}},
	7:  {18, []city{{"福島市", []string{"960"}}, {"郡山市", []string{"963"}}, {"いわき市", []string{"970", "971"}}}},
	8:  {28, []city{{"水戸市", []string{"310"}}, {"つくば市", []string{"305"}}, {"日立市", []string{"317"}}}},
	9:  {19, []city{{"宇都宮市", []string{"320", "321"}}, {"小山市", []string{"323"}}, {"足利市", []string{"326"}}}},
	10: {19, []city{{"前橋市", []string{"371"}}, {"高崎市", []string{"370"}}, {"太田市", []string{"373"}}}},
	11: {73, []city{{"さいたま市浦和区", []string{"330"}}, {"川越市", []string{"350"}}, {"川口市", []string{"332", "333"}}, {"所沢市", []string{"359"}}}},
	12: {63, []city{{"千葉市中央区", []string{"260"}}, {"船橋市", []string{"273", "274"}}, {"柏市", []string{"277"}}, {"松戸市", []string{"270", "271"}}}},
	13: {140, []city{{"千代田区", []string{"100", "101", "102"}}, {"新宿区", []string{"160", "162", "169"}}, {"世田谷区", []string{"154", "156", "157", "158"}},
		{"練馬区", []string{"176", "177", "179"}}, {"杉並区", []string{"166", "167", "168"}}, {"品川区", []string{"140", "141", "142"}},
		{"八王子市", []string{"192", "193"}}, {"町田市", []string{"194", "195"}}}},
	14: {92, []city{{"横浜市中区", []string{"231"}}, {"横浜市港北区", []string{"222", "223"}}, {"川崎市中原区", []string{"211"}},
		{"相模原市中央区", []string{"252"}}, {"藤沢市", []string{"251"}}}},
	15: {21, []city{{"新潟市中央区", []string{"950", "951"}}, {"長岡市", []string{"940"}}, {"上越市", []string{"942", "943"}}}},
	16: {10, []city{{"富山市", []string{"930", "939"}}, {"高岡市", []string{"933"}}}},
	17: {11, []city{{"金沢市", []string{"920", "921"}}, {"小松市", []string{"923"}}}},
	18: {8, []city{{"福井市", []string{"910", "918"}}, {"敦賀市", []string{"914"}}}},
	19: {8, []city{{"甲府市", []string{"400"}}, {"富士吉田市", []string{"403"}}}},
	20: {20, []city{{"長野市", []string{"380", "381"}}, {"松本市", []string{"390", "399"}}, {"上田市", []string{"386"}}}},
	21: {19, []city{{"岐阜市", []string{"500", "501"}}, {"大垣市", []string{"503"}}, {"多治見市", []string{"507"}}}},
	22: {36, []city{{"静岡市葵区", []string{"420"}}, {"浜松市中央区", []string{"430", "432"}}, {"沼津市", []string{"410"}}}},
	23: {75, []city{{"名古屋市中区", []string{"460"}}, {"名古屋市千種区", []string{"464"}}, {"豊田市", []string{"470", "471"}},
		{"岡崎市", []string{"444"}}, {"豊橋市", []string{"440", "441"}}}},
	24: {17, []city{{"津市", []string{"514"}}, {"四日市市", []string{"510"}}, {"鈴鹿市", []string{"513"}}}},
	25: {14, []city{{"大津市", []string{"520"}}, {"草津市", []string{"525"}}, {"彦根市", []string{"522"}}}},
	26: {25, []city{{"京都市中京区", []string{"604"}}, {"京都市左京区", []string{"606"}}, {"宇治市", []string{"611"}}}},
	27: {88, []city{{"大阪市北区", []string{"530", "531"}}, {"大阪市淀川区", []string{"532"}}, {"堺市堺区", []string{"590"}},
		{"豊中市", []string{"560", "561"}}, {"東大阪市", []string{"577", "578", "579"}}, {"吹田市", []string{"564", "565"}}}},
	28: {54, []city{{"神戸市中央区", []string{"650", "651"}}, {"姫路市", []string{"670", "671"}}, {"西宮市", []string{"662", "663"}},
		{"尼崎市", []string{"660", "661"}}}},
	29: {13, []city{{"奈良市", []string{"630", "631"}}, {"橿原市", []string{"634"}}}},
	30: {9, []city{{"和歌山市", []string{"640", "641"}}, {"田辺市", []string{"646"}}}},
	31: {5, []city{{"鳥取市", []string{"680"}}, {"米子市", []string{"683"}}}},
	32: {6, []city{{"松江市", []string{"690"}}, {"出雲市", []string{"693"}}}},
	33: {18, []city{{"岡山市北区", []string{"700", "701"}}, {"倉敷市", []string{"710", "712"}}}},
	34: {27, []city{{"広島市中区", []string{"730"}}, {"福山市", []string{"720", "721"}}, {"呉市", []string{"737"}}}},
	35: {13, []city{{"山口市", []string{"753", "754"}}, {"下関市", []string{"750", "751"}}, {"宇部市", []string{"755"}}}},
	36: {7, []city{{"徳島市", []string{"770", "771"}}}},
	37: {9, []city{{"高松市", []string{"760", "761"}}, {"丸亀市", []string{"763"}}}},
	38: {13, []city{{"松山市", []string{"790", "791"}}, {"今治市", []string{"794"}}}},
	39: {7, []city{{"高知市", []string{"780", "781"}}}},
	40: {51, []city{{"福岡市中央区", []string{"810"}}, {"福岡市博多区", []string{"812"}}, {"北九州市小倉北区", []string{"802", "803"}},
		{"久留米市", []string{"830"}}}},
	41: {8, []city{{"佐賀市", []string{"840", "849"}}, {"唐津市", []string{"847"}}}},
	42: {13, []city{{"長崎市", []string{"850", "851", "852"}}, {"佐世保市", []string{"857"}}}},
	43: {17, []city{{"熊本市中央区", []string{"860", "862"}}, {"八代市", []string{"866"}}}},
	44: {11, []city{{"大分市", []string{"870"}}, {"別府市", []string{"874"}}}},
	45: {10, []city{{"宮崎市", []string{"880"}}, {"都城市", []string{"885"}}}},
	46: {15, []city{{"鹿児島市", []string{"890", "892"}}, {"霧島市", []string{"899"}}}},
	47: {15, []city{{"那覇市", []string{"900", "902"}}, {"沖縄市", []string{"904"}}, {"浦添市", []string{"901"}}}},
}

// towns are common names of districts (町名) for the street line.
var towns = []string{
	"本町", "中央", "栄町", "旭町", "緑町", "幸町", "新町", "東町", "西町", "南町", "北町", "大手町", "桜木町",
	"若葉", "駅前", "元町", "松原", "寿町", "昭和町", "宮町", "城東", "青葉台", "泉町", "平和町", "日吉町", "錦町",
}

// buildings and rooms make the optional second line of an address.
var buildings = []string{
	"メゾン桜", "コーポ若葉", "グリーンハイツ", "パークサイド", "サンライズマンション", "リバーサイド", "ロイヤルコート",
	"ハイツ青葉", "グランドール", "ヴィラ緑町", "エクセル中央", "シャトー東", "プランドール", "レジデンス本町",
}

// clinicKinds name a practitioner's clinic: 「鈴木鍼灸院」.
var clinicKinds = []string{"鍼灸院", "鍼灸整骨院", "治療院", "はり・きゅう院", "鍼灸マッサージ院", "指圧治療院"}

// mailDomains are reserved for documentation (RFC 2606, and JPRS's
// example.jp family): no demo e-mail can reach a real person.
var mailDomains = []string{"example.jp", "example.ne.jp", "example.co.jp", "example.com", "example.org", "example.net"}

// orderNotes are messages customers leave with an order.
var orderNotes = []string{
	"領収書の発行をお願いします。宛名は屋号でお願いいたします。",
	"不在の場合は宅配ボックスへお願いします。",
	"院の営業時間（9時〜19時）内にお届けいただけると助かります。",
	"ギフト用ではありません。簡易包装で結構です。",
	"前回と同じサイズでお願いします。",
	"日曜・祝日は休診のため、平日のお届けを希望します。",
	"急ぎではありません。まとめて発送していただいて構いません。",
}

// cardBrands and how often Japanese customers pay with each.
var cardBrands = []struct {
	name   string
	weight int
}{{"visa", 45}, {"jcb", 25}, {"mastercard", 22}, {"amex", 8}}

// declines are the reasons a provider refuses a card, as the test gateway
// reports them.
var declines = []string{"insufficient_funds", "generic_decline", "expired_card", "incorrect_cvc"}
