package demo

// The demo products for treatment itself: needles, their supplies and moxa.

import "kaede/internal/catalog"

func needles() []catalog.Product {
	draft := product("hari-disposable", "kaede-silver-needle", "楓 銀鍼 ディスポタイプ（50本入）", "Kaede Disposable Silver Needles (50)", "カエデギンバリディスポタイプ",
		"銀製の鍼体を採用した、やわらかな刺鍼感のディスポ鍼です。発売に向けて準備中のため、まだご注文いただけません。",
		"Disposable silver needles with a soft feel. Coming soon.",
		variant("KAEDE-SLV-0.18x40", "0.18mm × 40mm", "0.18mm × 40mm", 6600))
	draft.Status = catalog.StatusDraft
	return []catalog.Product{
		practitionersOnly(product("hari-disposable", "seirin-j-type", "セイリン ディスポ鍼 Jタイプ（100本入）", "SEIRIN J-Type Disposable Needles (100)", "セイリンディスポバリジェイタイプ",
			"鍼管付きで1本ずつ個包装された、定番のディスポーザブル鍼です。プラスチック製の鍼柄は軽く、刺入時の操作が安定します。管理医療機器のため、有資格者の方のみご購入いただけます。",
			"The standard single-use needle, each in its own guide tube. For licensed practitioners only.",
			needleSizes("SEIRIN-J", []string{"0.12", "0.14", "0.16", "0.18", "0.20"}, []int{30, 40}, 2420, 2178)...)),
		practitionersOnly(product("hari-disposable", "kaede-disposable-tube", "楓 ディスポ鍼 ステンレス 鍼管付（240本入）", "Kaede Disposable Needles with Guide Tubes (240)", "カエデディスポバリステンレスシンカンツキ",
			"4本ごとに1本の鍼管が付いた、経済的な業務用パックです。鍼体はシリコン処理を施したステンレス製で、なめらかに刺入できます。有資格者の方専用の商品です。",
			"An economical clinic pack, one guide tube per four needles. For licensed practitioners only.",
			needleSizes("KAEDE-DSP", []string{"0.16", "0.18", "0.20"}, []int{40, 50}, 3960, 3520)...)),
		practitionersOnly(product("hari-disposable", "kaede-chinese-long", "楓 ディスポ鍼 中国鍼タイプ ロング（100本入）", "Kaede Chinese-Style Long Needles (100)", "カエデディスポバリチュウゴクバリタイプロング",
			"太さと長さのある中国鍼タイプのディスポ鍼です。深部への刺鍼や臀部の施術に向いています。管理医療機器のため、有資格者の方のみご購入いただけます。",
			"Thicker, longer Chinese-style needles for deep insertion. For licensed practitioners only.",
			needleSizes("KAEDE-CHN", []string{"0.25", "0.30"}, []int{60, 75, 100}, 2860, 2574)...)),
		practitionersOnly(product("hari-disposable", "kaede-individual", "楓 ディスポ鍼 個包装 鍼管なし（100本入）", "Kaede Individually Wrapped Needles, No Tube (100)", "カエデディスポバリコホウソウシンカンナシ",
			"鍼管を使わない撚鍼法向けに、1本ずつ滅菌包装したディスポ鍼です。鍼柄は銅線巻きで、指先の感覚が伝わりやすくなっています。",
			"Individually sterilised needles for insertion without a guide tube. For licensed practitioners only.",
			needleSizes("KAEDE-IND", []string{"0.14", "0.16"}, []int{15, 30}, 2640, 2376)...)),
		draft,
	}
}

func pressNeedles() []catalog.Product {
	return []catalog.Product{
		practitionersOnly(product("hari-enpi", "kaede-press-needle", "楓 円皮鍼 パッチタイプ（100本入）", "Kaede Press Needles, Patch Type (100)", "カエデエンピシンパッチタイプ",
			"肌色のテープに極細の鍼を付けた円皮鍼です。施術後も貼ったまま過ごせるため、持続的な刺激を与えたいときに便利です。管理医療機器のため、有資格者の方のみご購入いただけます。",
			"Fine press needles on skin-coloured tape, left in place after treatment. For licensed practitioners only.",
			memberPrice(variant("KAEDE-PRS-0.3", "長さ 0.3mm", "0.3mm long", 3300), 2970),
			memberPrice(variant("KAEDE-PRS-0.6", "長さ 0.6mm", "0.6mm long", 3300), 2970),
			memberPrice(variant("KAEDE-PRS-0.9", "長さ 0.9mm", "0.9mm long", 3300), 2970),
			memberPrice(variant("KAEDE-PRS-1.2", "長さ 1.2mm", "1.2mm long", 3300), 2970))),
		product("hari-enpi", "tsubo-tsubu", "貼るツボ粒（120粒入）", "Acupressure Pellets (120)", "ハルツボツブ",
			"肌に刺さない金属粒を、ツボに貼って指圧効果を得るシールです。患者さまのセルフケア用としてもお渡しいただけます。",
			"Non-piercing metal pellets on plasters, also suitable for patients' self-care.",
			variant("TSUBU-GOLD-120", "ゴールド", "Gold", 1650),
			variant("TSUBU-SILVER-120", "シルバー", "Silver", 1320)),
	}
}

func supplies() []catalog.Product {
	return []catalog.Product{
		product("hari-supplies", "sharps-container", "鍼専用 廃棄容器（シャープスコンテナ）", "Sharps Container for Needles", "ハリセンヨウハイキヨウキ",
			"使用済みの鍼を安全に廃棄するための、貫通しにくい樹脂製容器です。投入口は一度閉じると開かない構造で、医療廃棄物としてそのまま処理業者へお渡しいただけます。",
			"A puncture-resistant container for used needles that locks once closed.",
			variant("SHARPS-1L", "1L", "1 L", 880),
			variant("SHARPS-3L", "3L", "3 L", 1540)),
		product("hari-supplies", "alcohol-swab", "アルコール綿 個包装（100包）", "Alcohol Swabs, Individually Wrapped (100)", "アルコールメンコホウソウ",
			"1包ずつ使い切れる、消毒用エタノールを含ませたカット綿です。刺鍼前の皮膚消毒や器具の清拭にお使いください。",
			"Single-use swabs with disinfecting ethanol, for skin and instruments.",
			variant("SWAB-100", "1箱（100包）", "1 box (100)", 770),
			memberPrice(variant("SWAB-100x10", "10箱セット", "10 boxes", 7040), 6600)),
		product("hari-supplies", "needle-tray", "ステンレス 鍼皿（膿盆）", "Stainless Needle Tray", "ステンレスハリザラ",
			"丈夫なステンレス製の膿盆です。使用済みの鍼や綿花を一時的に置くのに便利で、煮沸消毒もできます。",
			"A sturdy stainless kidney tray that can be boiled to disinfect.",
			variant("TRAY-S", "小（約20cm）", "Small (20 cm)", 1320),
			variant("TRAY-L", "大（約25cm）", "Large (25 cm)", 1980)),
	}
}

func moxa() []catalog.Product {
	return []catalog.Product{
		product("kyu", "mogusa-tocho", "最上級 透頂灸用もぐさ", "Finest Moxa for Direct Moxibustion", "サイジョウキュウトウチョウキュウヨウモグサ",
			"繊維の細かい最上級のもぐさで、米粒大にひねりやすく燃焼も穏やかです。透熱灸や知熱灸など直接灸に適しています。",
			"Very fine moxa that twists easily and burns gently, for direct moxibustion.",
			variant("MOGUSA-TOCHO-25", "25g", "25 g", 2200),
			variant("MOGUSA-TOCHO-50", "50g", "50 g", 3960),
			memberPrice(variant("MOGUSA-TOCHO-100", "100g", "100 g", 7480), 6980)),
		product("kyu", "mogusa-onkyu", "温灸用もぐさ 徳用", "Moxa for Warm Moxibustion, Value Pack", "オンキュウヨウモグサトクヨウ",
			"温灸器や灸頭鍼に使いやすい、やや粗めのもぐさです。たっぷり使える徳用サイズです。",
			"Coarser moxa for moxa boxes and needle-head moxibustion.",
			variant("MOGUSA-ONKYU-200", "200g", "200 g", 1650),
			variant("MOGUSA-ONKYU-500", "500g", "500 g", 3520)),
		product("kyu", "daiza-kyu", "台座灸（200壮）", "Stick-On Moxa Cones (200)", "ダイザキュウ",
			"台座の上でもぐさが燃えるため、肌に直接触れず穏やかな温熱が得られます。熱さの強さを3段階からお選びいただけます。",
			"Moxa cones on a base that keeps them off the skin, in three heat strengths.",
			variant("DAIZA-SOFT", "ソフト（やわらか）", "Soft", 3080),
			variant("DAIZA-REGULAR", "レギュラー（ふつう）", "Regular", 3080),
			variant("DAIZA-STRONG", "ストロング（つよめ）", "Strong", 3080)),
		product("kyu", "kyuten-shi", "灸点紙（1,000枚）", "Moxa Point Paper (1,000)", "キュウテンシ",
			"直接灸の際に皮膚を保護する、中央に穴のあいたシールです。灸痕が残りにくく、初めての患者さまにも安心です。",
			"Protective stickers for direct moxibustion that leave fewer marks.",
			variant("KYUTENSHI-1000", "1,000枚", "1,000 sheets", 660)),
		product("kyu", "musen-senko", "灸用 無煙線香（50本）", "Smokeless Incense for Moxibustion (50)", "キュウヨウムエンセンコウ",
			"煙がほとんど出ない、点火用の炭線香です。換気の難しい施術室でも快適にお使いいただけます。",
			"Smokeless charcoal sticks for lighting moxa.",
			variant("SENKO-50", "50本", "50 sticks", 990)),
		product("kyu", "bokyu", "棒灸 ロングタイプ（10本入）", "Moxa Sticks, Long (10)", "ボウキュウロングタイプ",
			"紙で巻いた棒状のもぐさで、皮膚から離してかざす温灸に使います。広い範囲をじんわり温めたいときに向いています。",
			"Paper-wrapped moxa sticks held above the skin to warm a wide area.",
			variant("BOKYU-10", "10本", "10 sticks", 1870)),
	}
}
