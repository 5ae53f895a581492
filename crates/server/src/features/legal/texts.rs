//! The texts of the legal pages, one function per edition. A published edition is never edited:
//! a change is a new edition (a new function and a new entry in `mod.rs`), so that what a person
//! accepted stays readable as they read it.

use super::{Operator, Section};
use crate::web::i18n::Lang;

fn section(heading: String, paragraphs: Vec<String>) -> Section {
    Section {
        heading,
        paragraphs,
    }
}

/// The user agreement, edition 2026-11.
pub fn terms_2026_11(op: &Operator, lang: Lang) -> Vec<Section> {
    let name = &op.name;
    let contact = op.contact_line(lang);
    match lang {
        Lang::Ru => vec![
            section(
                "1. О чём это соглашение".into(),
                vec![
                    format!("Это соглашение заключают {name} (далее — оператор) и человек, который создаёт учётную запись в личном кабинете «Кабинет» (далее — пользователь). Оно определяет, как пользоваться кабинетом."),
                    "Соглашение принимается при регистрации отметкой «Я принимаю пользовательское соглашение». Дата, время и версия принятого текста хранятся в учётной записи и видны в профиле.".into(),
                ],
            ),
            section(
                "2. Что даёт кабинет".into(),
                vec![
                    "Хранить сведения об официальных документах и их сканы, видеть сроки их действия, получать напоминания, уведомления и сообщения оператора, подавать заявления, записываться на приём и оплачивать начисления — в том объёме, в каком эти услуги подключены оператором.".into(),
                    "Сроки в реестре рассчитываются по правилам, опубликованным для каждого вида документа. Расчёт помогает не пропустить срок, но не заменяет решения органа, выдавшего документ.".into(),
                ],
            ),
            section(
                "3. Учётная запись и вход".into(),
                vec![
                    "Пользователь указывает достоверные сведения о себе и подтверждает телефон и адрес почты. Одна учётная запись — для одного человека.".into(),
                    "Пользователь хранит пароль, коды и ключи доступа в тайне и не передаёт их другим. Если кто-то вошёл без его ведома, нужно нажать «Это был не я» в уведомлении или завершить сеансы в разделе «Безопасность» и сменить пароль.".into(),
                    "Оператор может временно заблокировать вход после неверных попыток или при признаках захвата учётной записи и сообщает об этом по каналам пользователя.".into(),
                ],
            ),
            section(
                "4. Документы и файлы пользователя".into(),
                vec![
                    "Пользователь добавляет только свои документы или документы, которыми вправе распоряжаться. Файлы хранятся зашифрованными; их содержимое оператор не просматривает, кроме случаев, прямо предусмотренных законом.".into(),
                    "Удалённый документ 30 дней лежит в корзине, затем удаляется навсегда. Все данные можно в любой момент выгрузить архивом ZIP в профиле.".into(),
                ],
            ),
            section(
                "5. Чего делать нельзя".into(),
                vec![
                    "Выдавать себя за другого человека, загружать вредоносные файлы, пытаться получить доступ к чужим данным, мешать работе сервиса или обходить его ограничения.".into(),
                ],
            ),
            section(
                "6. Ответственность и доступность".into(),
                vec![
                    "Оператор стремится к непрерывной работе кабинета и заранее сообщает о плановых работах. Уведомления доставляются по выбранным каналам, но доставку SMS и почты обеспечивают их операторы связи.".into(),
                    "Оператор не отвечает за последствия передачи пользователем своих данных входа другим лицам.".into(),
                ],
            ),
            section(
                "7. Изменение и прекращение".into(),
                vec![
                    "Новая редакция соглашения публикуется на этой странице с датой; прежние редакции остаются доступны по ссылкам ниже. О существенных изменениях оператор сообщает заранее.".into(),
                    "Пользователь может в любой момент удалить учётную запись в профиле («Удалить учётную запись»): через 30 дней все данные удаляются, до этого удаление можно отменить, войдя в кабинет.".into(),
                ],
            ),
            section("8. Контакты оператора".into(), vec![contact]),
        ],
        Lang::En => vec![
            section(
                "1. What this agreement is".into(),
                vec![
                    format!("This agreement is between {name} (the operator) and the person who creates an account in the Kabinet personal cabinet (the user). It sets out how the cabinet is used."),
                    "It is accepted at registration by ticking “I accept the user agreement”. The date, time and version accepted are kept with the account and shown in the profile.".into(),
                ],
            ),
            section(
                "2. What the cabinet offers".into(),
                vec![
                    "Keeping the details and scans of official documents, seeing their terms, receiving reminders, notices and the operator's messages, applying to agencies, booking appointments and paying charges — as far as the operator has these services on.".into(),
                    "Deadlines in the registry are computed by the rules published for each kind of document. They help not to miss a date but do not replace the decision of the authority that issued the document.".into(),
                ],
            ),
            section(
                "3. The account and signing in".into(),
                vec![
                    "The user gives true details and confirms their phone and e-mail. One account is for one person.".into(),
                    "The user keeps passwords, codes and passkeys secret. If someone signed in without their knowledge, they press “This was not me” in the notice, or end the sessions under Security and change the password.".into(),
                    "The operator may lock sign-in for a while after wrong attempts or signs of a takeover, and tells the user on their channels.".into(),
                ],
            ),
            section(
                "4. The user's documents and files".into(),
                vec![
                    "The user adds only their own documents or ones they may dispose of. Files are stored encrypted; the operator does not look at their contents except where the law requires it.".into(),
                    "A deleted document stays in the trash for 30 days, then is deleted for good. All data can be downloaded as a ZIP from the profile at any time.".into(),
                ],
            ),
            section(
                "5. What is not allowed".into(),
                vec![
                    "Posing as another person, uploading malicious files, trying to reach other people's data, disrupting the service or getting round its limits.".into(),
                ],
            ),
            section(
                "6. Responsibility and availability".into(),
                vec![
                    "The operator aims to keep the cabinet running and announces planned work in advance. Notices go out on the chosen channels; SMS and e-mail are delivered by their carriers.".into(),
                    "The operator is not liable for what follows from the user giving their sign-in details to others.".into(),
                ],
            ),
            section(
                "7. Changes and ending".into(),
                vec![
                    "A new edition is published on this page with its date; earlier editions stay readable by the links below. The operator announces material changes in advance.".into(),
                    "The user may delete the account at any time in the profile (“Delete the account”): after 30 days every piece of data is erased; until then, signing in cancels the deletion.".into(),
                ],
            ),
            section("8. The operator's contacts".into(), vec![contact]),
        ],
    }
}

/// The consent to the processing of personal data (152-FZ art. 9 part 4), edition 2026-11.
pub fn personal_data_2026_11(op: &Operator, lang: Lang) -> Vec<Section> {
    let name = &op.name;
    let address = &op.address;
    let contact = op.contact_line(lang);
    match lang {
        Lang::Ru => vec![
            section(
                "Кто даёт согласие и кому".into(),
                vec![
                    "Я, пользователь, чьи фамилия, имя, отчество, адрес и документ, удостоверяющий личность, указаны в моей учётной записи, свободно, своей волей и в своём интересе даю согласие на обработку моих персональных данных (статья 9 Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных»).".into(),
                    format!("Оператор: {name}; адрес: {address}."),
                    "Обработку по поручению оператора третьим лицам оператор не передаёт, если не укажет такое лицо в этом тексте новой редакции.".into(),
                ],
            ),
            section(
                "Цели обработки".into(),
                vec![
                    "Создание и ведение учётной записи в личном кабинете, вход и защита от чужого входа; хранение сведений о моих документах и их сканов; расчёт сроков действия документов и напоминания о них; уведомления и ответы на мои обращения; исполнение требований закона, в том числе хранение журнала действий с моими данными.".into(),
                ],
            ),
            section(
                "Какие данные".into(),
                vec![
                    "Фамилия, имя, отчество; дата и место рождения; пол; номер мобильного телефона и адрес электронной почты; СНИЛС и ИНН; серия, номер, дата и орган выдачи паспорта; адреса регистрации и проживания; сведения и сканы документов, которые я добавлю сам (водительское удостоверение, полисы, свидетельства и другие); настройки уведомлений и часовой пояс; сведения о входах и устройствах (время, IP-адрес, браузер, примерное место по IP-адресу); журнал действий.".into(),
                ],
            ),
            section(
                "Какие действия и как".into(),
                vec![
                    "Сбор, запись, систематизация, накопление, хранение, уточнение (обновление, изменение), извлечение, использование, передача (предоставление, доступ) — только мне и по моему поручению, обезличивание, блокирование, удаление и уничтожение.".into(),
                    "Обработка ведётся с использованием средств автоматизации: данные хранятся в базе данных оператора, файлы — в зашифрованном виде; доступ сотрудников оператора ограничен и записывается в журнал.".into(),
                ],
            ),
            section(
                "Срок и отзыв согласия".into(),
                vec![
                    "Согласие действует с момента регистрации до его отзыва или удаления учётной записи.".into(),
                    "Отозвать согласие можно в любой момент: в профиле — «Удалить учётную запись» (согласие отзывается сразу, данные удаляются через 30 дней, до этого удаление можно отменить), или письменным обращением к оператору по адресу выше. После отзыва оператор прекращает обработку и уничтожает данные, кроме тех, хранить которые обязывает закон (журнал действий хранится в обезличенном виде).".into(),
                    "Выгрузить все свои данные можно в профиле архивом ZIP.".into(),
                ],
            ),
            section(
                "Как даётся согласие".into(),
                vec![
                    "Согласие даётся в электронной форме отметкой «Я даю согласие на обработку персональных данных» при регистрации; дата, время и версия текста сохраняются и видны в профиле.".into(),
                    contact,
                ],
            ),
        ],
        Lang::En => vec![
            section(
                "Who consents, and to whom".into(),
                vec![
                    "I, the user whose surname, name, patronymic, address and identity document are given in my account, freely, of my own will and in my own interest consent to the processing of my personal data (Article 9 of Federal Law No. 152-FZ of 27.07.2006 “On Personal Data”).".into(),
                    format!("The operator: {name}; address: {address}."),
                    "The operator does not entrust the processing to third parties unless a new edition of this text names them.".into(),
                ],
            ),
            section(
                "Purposes".into(),
                vec![
                    "Creating and keeping an account in the personal cabinet, signing in and protecting it from others; keeping the details and scans of my documents; computing their terms and reminding me of them; notices and answers to my requests; meeting the law's requirements, including a journal of what is done with my data.".into(),
                ],
            ),
            section(
                "The data".into(),
                vec![
                    "Surname, name, patronymic; date and place of birth; sex; mobile phone number and e-mail address; SNILS and INN; series, number, date and issuer of the passport; registered and actual addresses; details and scans of documents I add myself (driving licence, policies, certificates and others); notification settings and time zone; sign-ins and devices (time, IP address, browser, approximate place by the IP address); the activity journal.".into(),
                ],
            ),
            section(
                "The actions, and how".into(),
                vec![
                    "Collection, recording, organisation, accumulation, storage, correction (updating, changing), retrieval, use, transfer (provision, access) — only to me and on my instruction, depersonalisation, blocking, deletion and destruction.".into(),
                    "Processing is automated: the data are kept in the operator's database, files encrypted; the operator's staff have limited access, and each access is journaled.".into(),
                ],
            ),
            section(
                "Term and withdrawal".into(),
                vec![
                    "The consent is valid from registration until it is withdrawn or the account is deleted.".into(),
                    "It can be withdrawn at any time: in the profile, “Delete the account” (the consent is withdrawn at once, the data are erased after 30 days, until then the deletion can be cancelled), or by writing to the operator at the address above. After a withdrawal the operator stops processing and destroys the data, except what the law requires to keep (the journal is kept depersonalised).".into(),
                    "All your data can be downloaded from the profile as a ZIP.".into(),
                ],
            ),
            section(
                "How it is given".into(),
                vec![
                    "The consent is given electronically by ticking “I consent to the processing of my personal data” at registration; the date, time and version of the text are kept and shown in the profile.".into(),
                    contact,
                ],
            ),
        ],
    }
}

/// The privacy policy (152-FZ art. 18.1: the operator publishes its policy), edition 2026-11.
pub fn privacy_2026_11(op: &Operator, lang: Lang) -> Vec<Section> {
    let name = &op.name;
    let contact = op.contact_line(lang);
    match lang {
        Lang::Ru => vec![
            section(
                "Оператор и правовые основания".into(),
                vec![
                    format!("Персональные данные в кабинете обрабатывает {name}. Основания: согласие пользователя, пользовательское соглашение и требования закона (152-ФЗ «О персональных данных»)."),
                ],
            ),
            section(
                "Как мы защищаем данные".into(),
                vec![
                    "Пароли хранятся только как стойкий хеш (Argon2id); сеансы — в базе данных, их можно завершить на любом устройстве; файлы шифруются при хранении (AES-256-GCM), ключ хранится отдельно от данных.".into(),
                    "Каждое действие с данными записывается в журнал, защищённый от изменения; пользователь видит свой журнал в профиле и может выгрузить его.".into(),
                    "Число попыток входа, регистрации и восстановления ограничено; вход с нового устройства сопровождается уведомлением.".into(),
                ],
            ),
            section(
                "Сроки хранения".into(),
                vec![
                    "Данные хранятся, пока существует учётная запись. Документ из корзины удаляется через 30 дней; учётная запись — через 30 дней после отзыва согласия. Журнал действий после удаления хранит только обезличенную запись об удалении.".into(),
                ],
            ),
            section(
                "Права пользователя".into(),
                vec![
                    "Получить сведения об обработке и копию своих данных (выгрузка ZIP в профиле), уточнить их (профиль и документы), отозвать согласие и потребовать удаления, обжаловать действия оператора в Роскомнадзоре или в суде.".into(),
                    contact,
                ],
            ),
        ],
        Lang::En => vec![
            section(
                "The operator and legal grounds".into(),
                vec![
                    format!("Personal data in the cabinet are processed by {name}. Grounds: the user's consent, the user agreement and the law (Federal Law 152-FZ “On Personal Data”)."),
                ],
            ),
            section(
                "How the data are protected".into(),
                vec![
                    "Passwords are kept only as a strong hash (Argon2id); sessions are kept in the database and can be ended from any device; files are encrypted at rest (AES-256-GCM) with a key kept apart from the data.".into(),
                    "Every action with the data is written to a tamper-evident journal; users see their journal in the profile and can download it.".into(),
                    "Attempts to sign in, register and recover are limited; a sign-in from a new device is announced.".into(),
                ],
            ),
            section(
                "How long data are kept".into(),
                vec![
                    "Data are kept while the account exists. A document in the trash is deleted after 30 days; an account 30 days after the consent is withdrawn. After deletion the journal keeps only a depersonalised record of it.".into(),
                ],
            ),
            section(
                "The user's rights".into(),
                vec![
                    "To learn about the processing and get a copy of one's data (the ZIP in the profile), to correct them (profile and documents), to withdraw consent and have them deleted, and to appeal to Roskomnadzor or a court.".into(),
                    contact,
                ],
            ),
        ],
    }
}

/// The accessibility statement, edition 2026-11.
pub fn accessibility_2026_11(op: &Operator, lang: Lang) -> Vec<Section> {
    let contact = op.contact_line(lang);
    match lang {
        Lang::Ru => vec![
            section(
                "Насколько доступен кабинет".into(),
                vec![
                    "Мы стремимся к соответствию WCAG 2.2 уровня AA и ГОСТ Р 52872-2019. Страницы работают без JavaScript и с клавиатуры, у каждого поля есть подпись, ошибки собраны в перечень со ссылками на поля, страницы помещаются на экран шириной 320 пикселей без прокрутки вбок, цвет не единственный признак статуса.".into(),
                    "Каждая версия проверяется автоматически: страницы открываются в браузере на ширине компьютера и телефона, проверяются инструментом axe-core и проходятся только с клавиатуры.".into(),
                ],
            ),
            section(
                "Что известно о недостатках".into(),
                vec![
                    "Шкала сроков в реестре — рисунок; её текстовая замена — таблица и перечень дат под ней. Сканы документов, которые загружают пользователи, не содержат текстового описания.".into(),
                ],
            ),
            section(
                "Если что-то недоступно".into(),
                vec![
                    "Напишите нам, что не получилось и на какой странице, — мы ответим и предложим другой способ получить услугу.".into(),
                    contact,
                ],
            ),
        ],
        Lang::En => vec![
            section(
                "How accessible the cabinet is".into(),
                vec![
                    "We aim to meet WCAG 2.2 level AA and GOST R 52872-2019. Pages work without JavaScript and from the keyboard, every field has a label, errors are listed with links to their fields, pages fit a 320-pixel-wide screen without sideways scrolling, and colour is never the only sign of a status.".into(),
                    "Every version is checked automatically: pages are opened in a browser at desktop and phone widths, checked with axe-core and gone through by keyboard alone.".into(),
                ],
            ),
            section(
                "Known shortcomings".into(),
                vec![
                    "The registry's timeline is a picture; its text alternative is the table and the list of dates under it. Scans that users upload carry no text description.".into(),
                ],
            ),
            section(
                "If something is not accessible".into(),
                vec![
                    "Write to us what did not work and on which page: we will answer and offer another way to get the service.".into(),
                    contact,
                ],
            ),
        ],
    }
}
