/**
 * Text for the trace-list benchmark's spans: sentences in English, Russian, Chinese, Japanese and
 * Arabic made of everyday support-chat words, most common words most often (a skewed pick), so
 * that a search meets short and long posting lists as it would in real traffic. Deterministic
 * (seeded), so every run searches the same data.
 */

const EN = `the a to and of is in for you your it that on with this be are can please we have my i not will at from as or order account
payment shipping delivery customer support help issue problem question answer thanks thank hello hi there would like could should need want know
check status update change cancel subscription plan invoice billing charge card credit price discount code coupon product item package box
address email phone number password login reset error message page app website browser mobile version release feature request bug report
time today yesterday tomorrow week month year date minute hour day soon later again still already just only also very really more less
new old first last next previous same different other each every some any all many much few little great good bad best better worse
send receive return exchange replace repair warranty policy terms service team agent manager ticket case reference confirmation tracking
store online shop cart checkout total amount tax fee cost free paid unpaid pending processing shipped delivered lost damaged broken missing
size color model brand quantity stock available unavailable backorder preorder sale offer deal promotion newsletter notification settings
profile privacy security data export import file upload download document image photo video link click open close save delete edit copy
search filter sort list table chart report summary detail overview dashboard analytics metric usage limit quota upgrade downgrade trial
weather forecast rain sunny cloudy temperature city country travel flight hotel booking reservation train bus car taxi airport
recipe cook dinner lunch breakfast coffee tea water food restaurant menu allergy vegetarian vegan gluten
code function variable class method api endpoint request response server client database query index cache retry latency token
prompt completion embedding vector retrieval chunk context window stream tool call chain trace span log
explain summarize translate write rewrite improve fix debug test deploy build run install configure migrate monitor alert incident`;
const RU = `и в не на я что он с как это по но за из у от все так она для мы вы заказ доставка оплата счет карта номер адрес телефон почта
пароль вход ошибка проблема вопрос ответ помощь поддержка спасибо здравствуйте пожалуйста хочу нужно можно когда где почему сколько
сегодня вчера завтра неделя месяц год день время цена скидка товар посылка магазин корзина подписка тариф отмена изменение статус
отправка получение обмен гарантия сервис менеджер клиент сообщение страница приложение сайт версия функция отчет данные файл документ`;
const ZH = `订单 发货 物流 付款 账户 密码 登录 错误 问题 帮助 客服 谢谢 你好 请问 可以 需要 知道 什么 时候 为什么 多少 今天 明天 昨天
价格 优惠 折扣 商品 包裹 地址 电话 邮箱 信息 页面 应用 网站 版本 功能 报告 数据 文件 文档 图片 视频 链接 搜索 设置 隐私 安全
取消 更改 状态 查询 确认 收到 发送 交换 保修 服务 经理 客户 消息 已经 还是 没有 因为 所以 但是 如果 我们 他们 这个 那个 一个`;
const JA = `の に は を が で と も から まで です ます ください ありがとう こんにちは すみません 注文 配送 支払い アカウント パスワード
ログイン エラー 問題 質問 回答 サポート 確認 変更 キャンセル 状態 今日 明日 昨日 価格 割引 商品 荷物 住所 電話 メール 情報 ページ
アプリ サイト バージョン 機能 レポート データ ファイル 検索 設定 お客様 担当者 返品 交換 保証 サービス 到着 発送 届く 届きません`;
const AR = `في من على إلى عن مع هذا هذه أن لا ما هل كيف متى لماذا كم الطلب الشحن الدفع الحساب كلمة المرور تسجيل الدخول خطأ مشكلة سؤال جواب
مساعدة الدعم شكرا مرحبا من فضلك أريد يمكن اليوم غدا أمس السعر الخصم المنتج الطرد العنوان الهاتف البريد الرسالة الصفحة التطبيق الموقع
الإصدار الميزة التقرير البيانات الملف إلغاء تغيير الحالة تأكيد إرسال استلام استبدال الضمان الخدمة العميل`;

export const LANGUAGES = ['en', 'ru', 'zh', 'ja', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

const WORDS: Record<Language, { words: string[]; separator: string; end: string }> = {
  en: { words: EN.split(/\s+/), separator: ' ', end: '.' },
  ru: { words: RU.split(/\s+/), separator: ' ', end: '.' },
  zh: { words: ZH.split(/\s+/), separator: '', end: '。' },
  ja: { words: JA.split(/\s+/), separator: '', end: '。' },
  ar: { words: AR.split(/\s+/), separator: ' ', end: '.' },
};

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` sentences per language, `[language, index, sentence]`, 6 to 24 words each. */
export function sentencePool(size: number): Array<[Language, number, string]> {
  const next = random(42);
  const rows: Array<[Language, number, string]> = [];
  for (const language of LANGUAGES) {
    const { words, separator, end } = WORDS[language];
    for (let i = 0; i < size; i++) {
      const n = 6 + Math.floor(next() * 18);
      const picked: string[] = [];
      // Squaring skews the pick towards the start of the list, where the common words are.
      for (let w = 0; w < n; w++) picked.push(words[Math.floor(words.length * next() ** 2)]!);
      rows.push([language, i, picked.join(separator) + end]);
    }
  }
  return rows;
}
