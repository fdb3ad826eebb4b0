package demo

// The demo products around treatment: oils, linen, bed supplies, books and
// the reduced-rate teas and foods.

import (
	"kaede/internal/catalog"
	"kaede/internal/shop"
)

func oils() []catalog.Product {
	return []catalog.Product{
		product("oil", "oil-sweet-almond", "マッサージオイル スイートアーモンド", "Sweet Almond Massage Oil", "マッサージオイルスイートアーモンド",
			"のびがよくべたつきにくい、定番のキャリアオイルです。無香料なので、お好みの精油とブレンドしてお使いいただけます。",
			"A classic unscented carrier oil that spreads well without stickiness.",
			variant("OIL-ALM-100", "100ml", "100 ml", 1320),
			variant("OIL-ALM-500", "500ml", "500 ml", 4180),
			memberPrice(variant("OIL-ALM-1000", "1L（業務用）", "1 L (clinic size)", 7150), 6600)),
		product("oil", "oil-golden-jojoba", "マッサージオイル ゴールデンホホバ", "Golden Jojoba Massage Oil", "マッサージオイルゴールデンホホバ",
			"未精製のゴールデンホホバオイルで、肌なじみがよく酸化しにくいのが特長です。顔や首まわりの施術にもお使いいただけます。",
			"Unrefined golden jojoba oil that suits the skin and keeps well.",
			variant("OIL-JJB-100", "100ml", "100 ml", 1980),
			variant("OIL-JJB-250", "250ml", "250 ml", 3960)),
		product("oil", "oil-lavender-blend", "マッサージオイル ラベンダーブレンド", "Lavender Blend Massage Oil", "マッサージオイルラベンダーブレンド",
			"スイートアーモンドオイルに真正ラベンダーの精油をブレンドしました。やさしい香りで、リラクゼーションの施術に向いています。",
			"Sweet almond oil blended with true lavender for relaxing treatments.",
			variant("OIL-LAV-200", "200ml", "200 ml", 2640)),
		product("oil", "cream-unscented", "マッサージクリーム 無香料 業務用（1kg）", "Unscented Massage Cream, Clinic Size (1 kg)", "マッサージクリームムコウリョウギョウムヨウ",
			"適度な滑りが長く続く、業務用のマッサージクリームです。水で洗い流しやすく、タオルにも残りにくい処方です。",
			"A long-lasting massage cream that rinses off easily and spares the towels.",
			memberPrice(variant("CREAM-1KG", "1kg", "1 kg", 3300), 2970)),
		product("oil", "warm-gel", "温感マッサージジェル（300g）", "Warming Massage Gel (300 g)", "オンカンマッサージジェル",
			"塗布するとじんわり温かさを感じるジェルです。肩や腰など、冷えやこわばりが気になる部位の施術におすすめです。",
			"A gently warming gel for stiff shoulders and lower backs.",
			variant("GEL-WARM-300", "300g", "300 g", 1980)),
	}
}

func linen() []catalog.Product {
	towel := func(prefix string, one, dozen shop.Yen) []catalog.Variant {
		var vs []catalog.Variant
		for _, c := range []struct{ code, ja, en string }{{"WHT", "白", "White"}, {"BEG", "ベージュ", "Beige"}, {"BRN", "ブラウン", "Brown"}} {
			vs = append(vs, variant(prefix+"-"+c.code+"-1", c.ja+"・1枚", c.en+", 1 towel", one),
				variant(prefix+"-"+c.code+"-12", c.ja+"・12枚組", c.en+", 12 towels", dozen))
		}
		return vs
	}
	return []catalog.Product{
		product("linen", "face-towel", "業務用フェイスタオル 34×80cm", "Clinic Face Towel, 34 × 80 cm", "ギョウムヨウフェイスタオル",
			"毎日の洗濯に耐える、しっかりした厚みの業務用フェイスタオルです。汚れの目立ちにくいベージュやブラウンもお選びいただけます。",
			"A thick clinic face towel that stands up to daily washing.",
			towel("FTOWEL", 330, 3300)...),
		product("linen", "bath-towel", "業務用バスタオル 60×120cm", "Clinic Bath Towel, 60 × 120 cm", "ギョウムヨウバスタオル",
			"施術ベッドに敷いたり、患者さまの体に掛けたりと幅広く使えるバスタオルです。綿100%で吸水性にすぐれています。",
			"An all-cotton bath towel for covering beds and patients.",
			towel("BTOWEL", 1320, 14520)...),
		product("linen", "hand-towel", "ハンドタオル 34×35cm（10枚組）", "Hand Towels, 34 × 35 cm (10)", "ハンドタオル",
			"手拭きやおしぼりに使いやすい小ぶりのタオルです。10枚組でお届けします。",
			"Small towels for hands and hot compresses, in packs of ten.",
			variant("HTOWEL-WHT-10", "白", "White", 1980),
			variant("HTOWEL-GRY-10", "グレー", "Grey", 1980)),
		product("linen", "patient-gown", "施術着 上下セット（男女兼用）", "Treatment Wear, Top and Bottoms (Unisex)", "セジュツギジョウゲセット",
			"患者さまに着替えていただく、ゆったりとした作りの施術着です。背中側が大きく開くので、うつぶせの施術もスムーズです。",
			"Loose treatment wear with a wide back opening for prone treatment.",
			variant("GOWN-M", "M", "M", 4180),
			variant("GOWN-L", "L", "L", 4180),
			variant("GOWN-LL", "LL", "XL", 4180)),
	}
}

func bed() []catalog.Product {
	return []catalog.Product{
		product("bed", "bed-box-sheet", "施術ベッド用 ボックスシーツ", "Fitted Sheet for Treatment Beds", "セジュツベッドヨウボックスシーツ",
			"四隅にゴムが入ったボックス型で、施術中もずれにくいシーツです。ベッドの幅に合わせて3サイズをご用意しました。",
			"A fitted sheet that stays put, in three bed widths.",
			variant("SHEET-60", "幅60cm用", "60 cm wide", 3080),
			variant("SHEET-65", "幅65cm用", "65 cm wide", 3300),
			variant("SHEET-70", "幅70cm用", "70 cm wide", 3520)),
		product("bed", "face-paper", "使い捨てフェイスペーパー（500枚）", "Disposable Face Paper (500)", "ツカイステフェイスペーパー",
			"うつぶせ枕の顔の部分に敷く、使い捨ての不織布ペーパーです。患者さまごとに交換でき、衛生的にお使いいただけます。",
			"Disposable face-hole covers, changed for every patient.",
			memberPrice(variant("FACEPAPER-500", "500枚", "500 sheets", 1650), 1485)),
		product("bed", "face-cushion", "うつぶせ枕（フェイスクッション）", "Face Cushion for Prone Treatment", "ウツブセマクラ",
			"顔を楽にうずめられる、低反発素材のうつぶせ枕です。カバーは取り外して拭き取りできます。",
			"A memory-foam face cushion with a wipe-clean cover.",
			variant("CUSHION-BEG", "ベージュ", "Beige", 5280),
			variant("CUSHION-BRN", "ブラウン", "Brown", 5280)),
		product("bed", "disposable-sheet", "使い捨てベッドシート ロール（50m）", "Disposable Bed Sheet Roll (50 m)", "ツカイステベッドシートロール",
			"ロール状の使い捨てシートで、必要な長さで切り取って使えます。訪問施術や感染対策に便利です。",
			"A roll of disposable sheet to tear off as needed, handy for home visits.",
			variant("ROLL-60", "幅60cm", "60 cm wide", 2420),
			variant("ROLL-90", "幅90cm", "90 cm wide", 3080)),
		product("bed", "folding-bed", "折りたたみ施術ベッド 幅60cm", "Folding Treatment Bed, 60 cm Wide", "オリタタミセジュツベッド",
			"重さ約12kgの軽量な折りたたみベッドで、往療や出張施術に持ち運べます。顔穴付きで、うつぶせの施術にも対応しています。",
			"A 12 kg folding bed with a face hole, light enough for home visits.",
			memberPrice(variant("FOLDING-BED-60", "幅60cm・ブラウン", "60 cm, brown", 39800), 36800)),
	}
}

func books() []catalog.Product {
	return []catalog.Product{
		product("books", "book-keiketsu-handbook", "図解 経絡・経穴ハンドブック", "Illustrated Handbook of Meridians and Points", "ズカイケイラクケイケツハンドブック",
			"WHO標準経穴部位に準拠し、全361穴の取穴法をカラー図解で解説したハンドブックです。白衣のポケットに入るサイズで、臨床の現場ですぐに確認できます。",
			"All 361 standard points, illustrated in colour, in a pocket size.",
			variant("BOOK-KEIKETSU", "A6判・384頁", "A6, 384 pages", 3300)),
		product("books", "book-shinkyu-kihon", "臨床で使える 鍼灸治療の基本", "Basics of Clinical Acupuncture and Moxibustion", "リンショウデツカエルシンキュウチリョウノキホン",
			"問診から配穴、刺鍼の手技までを症例に沿って学べる入門書です。開業を目指す学生や若手の鍼灸師におすすめです。",
			"An introduction from consultation to technique, told through cases.",
			variant("BOOK-SHINKYU", "B5判・256頁", "B5, 256 pages", 4180)),
		product("books", "book-anma-jitsugi", "あん摩マッサージ指圧 実技教本", "Practical Manual of Anma, Massage and Shiatsu", "アンママッサージシアツジツギキョウホン",
			"基本手技を写真と動画QRコードで丁寧に解説した実技の教本です。国家試験の実技対策にもお使いいただけます。",
			"The basic techniques in photographs and linked videos.",
			variant("BOOK-ANMA", "B5判・208頁", "B5, 208 pages", 3960)),
	}
}

// foods are at the reduced tax rate: food and drink, other than alcohol.
func foods() []catalog.Product {
	return []catalog.Product{
		reduced(product("food", "dokudami-tea", "国産ドクダミ茶 ティーバッグ", "Japanese Dokudami Tea, Tea Bags", "コクサンドクダミチャ",
			"国産のドクダミを乾燥させ、香ばしく焙煎したお茶です。ノンカフェインなので、待合室でのおもてなしにもお使いいただけます。",
			"Roasted Japanese dokudami tea, caffeine free.",
			variant("TEA-DKD-30", "3g×30包", "30 bags of 3 g", 1080),
			variant("TEA-DKD-60", "3g×60包", "60 bags of 3 g", 1944))),
		reduced(product("food", "tochu-tea", "杜仲茶 ティーバッグ（3g×30包）", "Tochu Tea, Tea Bags (30)", "トチュウチャ",
			"杜仲の葉を使った、すっきりとした味わいのお茶です。煮出しても水出しでもおいしくお飲みいただけます。",
			"A clean-tasting tea from eucommia leaves, brewed hot or cold.",
			variant("TEA-TCH-30", "3g×30包", "30 bags of 3 g", 1296))),
		reduced(product("food", "kuromame-tea", "黒豆茶（200g）", "Black Soybean Tea (200 g)", "クロマメチャ",
			"北海道産の黒大豆を丁寧に焙煎した、やさしい甘みのお茶です。お湯を注いだあとの豆もそのまま召し上がれます。",
			"Gently sweet roasted black soybeans from Hokkaido.",
			variant("TEA-KRM-200", "200g", "200 g", 1404))),
		reduced(product("food", "shogayu", "国産しょうが湯（20g×10袋）", "Japanese Ginger Drink (10 sachets)", "コクサンショウガユ",
			"国産しょうがの粉末に、きび砂糖とくず粉を合わせました。お湯に溶かすだけで、体の温まる一杯ができあがります。",
			"Japanese ginger with cane sugar and kudzu, ready with hot water.",
			variant("SHOGAYU-10", "20g×10袋", "10 sachets of 20 g", 864))),
	}
}
