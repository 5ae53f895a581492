//! What the account pages and messages say, in Russian and English.

use crate::web::i18n::Msg;

/// Labels and prose of the account pages.
pub struct Texts {
    pub register_title: &'static str,
    pub register_lead: &'static str,
    pub surname: &'static str,
    pub given_name: &'static str,
    pub patronymic: &'static str,
    pub patronymic_hint: &'static str,
    pub phone: &'static str,
    pub phone_hint: &'static str,
    pub email: &'static str,
    pub email_hint: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub consent_terms: &'static str,
    pub consent_personal_data: &'static str,
    pub register_button: &'static str,
    pub have_account: &'static str,
    pub errors_heading: &'static str,
    pub confirm_title: &'static str,
    pub confirm_lead: &'static str,
    pub code: &'static str,
    pub code_hint: &'static str,
    pub confirm_button: &'static str,
    pub resend_button: &'static str,
    pub resend_wait: &'static str,
    pub code_sent: &'static str,
    pub sandbox_note: &'static str,
    pub login_title: &'static str,
    pub login: &'static str,
    pub login_hint: &'static str,
    pub login_button: &'static str,
    pub login_by_code: &'static str,
    pub forgot_password: &'static str,
    pub no_account: &'static str,
    pub lock_hint: &'static str,
    pub login_code_title: &'static str,
    pub login_code_lead: &'static str,
    pub send_code_button: &'static str,
    pub signed_out: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    pub welcome: &'static str,
    pub recover_title: &'static str,
    pub recover_lead: &'static str,
    pub recover_contact: &'static str,
    pub recover_contact_hint: &'static str,
    pub recover_code_title: &'static str,
    pub new_password: &'static str,
    pub save_password_button: &'static str,
    pub password_changed: &'static str,
    pub no_contact_link: &'static str,
    pub password_confirm: &'static str,
    pub code_sent_to: &'static str,
    pub recovery_code: &'static str,
    pub recovered: &'static str,
    pub idle_signed_out: &'static str,
    pub deletion_scheduled: &'static str,
    pub second_factor_expired: &'static str,
    pub second_factor_needs_password: &'static str,
    pub request_title: &'static str,
    pub request_lead: &'static str,
    pub birth_date: &'static str,
    pub date_hint: &'static str,
    pub passport_series: &'static str,
    pub passport_number: &'static str,
    pub snils: &'static str,
    pub snils_hint: &'static str,
    pub contact_for_reply: &'static str,
    pub send_request: &'static str,
    pub request_filed: &'static str,
}

pub static RU: Texts = Texts {
    register_title: "Регистрация",
    register_lead: "Создайте учётную запись: понадобятся мобильный телефон и электронная почта. Телефон подтвердим кодом из SMS, почту — ссылкой в письме.",
    surname: "Фамилия",
    given_name: "Имя",
    patronymic: "Отчество",
    patronymic_hint: "Если есть",
    phone: "Мобильный телефон",
    phone_hint: "Например, +7 912 345-67-89",
    email: "Электронная почта",
    email_hint: "Например, ivanova@mail.ru",
    password: "Пароль",
    password_hint: "Не менее 8 символов: заглавные и строчные буквы, цифра и спецсимвол. Не используйте телефон, почту или имя.",
    consent_terms: "Я принимаю <a href=\"/legal/terms\">пользовательское соглашение</a>",
    consent_personal_data: "Я даю <a href=\"/legal/personal-data\">согласие на обработку персональных данных</a> (152-ФЗ)",
    register_button: "Зарегистрироваться",
    have_account: "Уже есть учётная запись? Войдите",
    errors_heading: "Исправьте ошибки",
    confirm_title: "Подтверждение телефона",
    confirm_lead: "Мы отправили SMS с кодом на номер",
    code: "Код из SMS",
    code_hint: "6 цифр. Код действует 5 минут.",
    confirm_button: "Подтвердить",
    resend_button: "Отправить код ещё раз",
    resend_wait: "Новый код можно запросить через минуту после предыдущего.",
    code_sent: "Новый код отправлен.",
    sandbox_note: "Песочница: SMS не уходят оператору связи, а хранятся в журнале песочницы.",
    login_title: "Вход",
    login: "Телефон, электронная почта или СНИЛС",
    login_hint: "Например, +7 912 345-67-89",
    login_button: "Войти",
    login_by_code: "Войти по коду из SMS",
    forgot_password: "Забыли пароль?",
    no_account: "Нет учётной записи? Зарегистрируйтесь",
    lock_hint: "После 5 неудачных попыток вход блокируется на время; мы сообщим об этом по SMS и почте.",
    login_code_title: "Вход по коду из SMS",
    login_code_lead: "Укажите номер телефона, привязанный к учётной записи: мы пришлём код.",
    send_code_button: "Получить код",
    signed_out: "Вы вышли из кабинета.",
    sign_out: "Выйти",
    sign_out_everywhere: "Выйти на всех устройствах",
    welcome: "Вы вошли в кабинет.",
    recover_title: "Восстановление доступа",
    recover_lead: "Укажите подтверждённый телефон или электронную почту учётной записи: мы пришлём код для смены пароля.",
    recover_contact: "Телефон или электронная почта",
    recover_contact_hint: "Например, +7 912 345-67-89 или ivanova@mail.ru",
    recover_code_title: "Новый пароль",
    new_password: "Новый пароль",
    save_password_button: "Сохранить пароль",
    password_changed: "Пароль изменён, все другие сеансы завершены. Войдите с новым паролем.",
    no_contact_link: "Нет доступа ни к телефону, ни к почте?",
    password_confirm: "Повторите пароль",
    code_sent_to: "Если этот контакт привязан к учётной записи, мы отправили на него код:",
    recovery_code: "Код из SMS или письма",
    recovered: "Пароль изменён, все сеансы завершены. Войдите с новым паролем.",
    idle_signed_out: "Вы долго не пользовались кабинетом, и мы вышли из него, чтобы никто другой не увидел ваши данные. Войдите снова.",
    deletion_scheduled: "Согласие отозвано, учётная запись будет удалена через 30 дней. Передумаете — войдите и нажмите «Отменить удаление».",
    second_factor_expired: "Время на ввод кода истекло или ошибок было слишком много. Войдите заново.",
    second_factor_needs_password: "В вашем кабинете включена защита кодом из SMS. Войдите по паролю — код придёт следующим шагом.",
    request_title: "Заявка на восстановление доступа",
    request_lead: "Если нет доступа ни к телефону, ни к почте, оставьте заявку. Оператор МФЦ сверит данные с паспортом при личном визите и свяжется с вами по указанному контакту.",
    birth_date: "Дата рождения",
    date_hint: "ДД.ММ.ГГГГ, например 15.04.1990",
    passport_series: "Серия паспорта",
    passport_number: "Номер паспорта",
    snils: "СНИЛС",
    snils_hint: "11 цифр, например 112-233-445 95",
    contact_for_reply: "Новый телефон или почта для связи",
    send_request: "Отправить заявку",
    request_filed: "Заявка принята. Оператор свяжется с вами по указанному контакту; возьмите паспорт при визите в МФЦ.",
};

pub static EN: Texts = Texts {
    register_title: "Create an account",
    register_lead: "You will need a mobile phone and an e-mail address. We confirm the phone with an SMS code and the e-mail with a link.",
    surname: "Surname",
    given_name: "Given name",
    patronymic: "Patronymic",
    patronymic_hint: "If you have one",
    phone: "Mobile phone",
    phone_hint: "For example, +7 912 345-67-89",
    email: "E-mail",
    email_hint: "For example, ivanova@mail.ru",
    password: "Password",
    password_hint: "At least 8 characters: upper and lower case letters, a digit and a special character. Do not use your phone, e-mail or name.",
    consent_terms: "I accept the <a href=\"/legal/terms\">user agreement</a>",
    consent_personal_data: "I consent to the <a href=\"/legal/personal-data\">processing of my personal data</a> (Federal Law 152-FZ)",
    register_button: "Create account",
    have_account: "Have an account already? Sign in",
    errors_heading: "There is a problem",
    confirm_title: "Confirm your phone",
    confirm_lead: "We sent an SMS with a code to",
    code: "Code from the SMS",
    code_hint: "6 digits. The code is valid for 5 minutes.",
    confirm_button: "Confirm",
    resend_button: "Send a new code",
    resend_wait: "A new code can be requested a minute after the previous one.",
    code_sent: "A new code has been sent.",
    sandbox_note: "Sandbox: text messages do not reach a mobile operator; they are kept in the sandbox outbox.",
    login_title: "Sign in",
    login: "Phone, e-mail or SNILS",
    login_hint: "For example, +7 912 345-67-89",
    login_button: "Sign in",
    login_by_code: "Sign in with an SMS code",
    forgot_password: "Forgot your password?",
    no_account: "No account? Create one",
    lock_hint: "After 5 failed attempts signing in is blocked for a while; we tell you by SMS and e-mail.",
    login_code_title: "Sign in with an SMS code",
    login_code_lead: "Enter the phone number of your account and we will send a code.",
    send_code_button: "Get a code",
    signed_out: "You have signed out.",
    sign_out: "Sign out",
    sign_out_everywhere: "Sign out on all devices",
    welcome: "You are signed in.",
    recover_title: "Recover access",
    recover_lead: "Enter the confirmed phone or e-mail of your account and we will send a code to set a new password.",
    recover_contact: "Phone or e-mail",
    recover_contact_hint: "For example, +7 912 345-67-89 or ivanova@mail.ru",
    recover_code_title: "New password",
    new_password: "New password",
    save_password_button: "Save password",
    password_changed: "Your password has been changed and all other sessions ended. Sign in with the new password.",
    no_contact_link: "No access to your phone or e-mail?",
    password_confirm: "Repeat the password",
    code_sent_to: "If this contact belongs to an account, we sent a code to it:",
    recovery_code: "Code from the SMS or letter",
    recovered: "Your password has been changed and all sessions ended. Sign in with the new password.",
    idle_signed_out: "You were inactive for a while, so we signed you out to keep your data private. Sign in again.",
    deletion_scheduled: "Your consent is withdrawn and the account will be deleted in 30 days. If you change your mind, sign in and press “Cancel deletion”.",
    second_factor_expired: "The time to enter the code ran out or there were too many wrong codes. Sign in again.",
    second_factor_needs_password: "Your cabinet asks for an SMS code as the second step. Sign in with your password; the code follows.",
    request_title: "Request to recover access",
    request_lead: "With no access to your phone or e-mail, leave a request. A service-centre verifier will check the data against your passport in person and contact you.",
    birth_date: "Date of birth",
    date_hint: "DD.MM.YYYY, for example 15.04.1990",
    passport_series: "Passport series",
    passport_number: "Passport number",
    snils: "SNILS",
    snils_hint: "11 digits, for example 112-233-445 95",
    contact_for_reply: "A new phone or e-mail to reach you",
    send_request: "Send the request",
    request_filed: "Request received. A verifier will contact you; bring your passport to the service centre.",
};

// Field messages (shared by pages and the API).
pub const NAME_FORMAT: Msg = Msg::new(
    "Используйте буквы русского или латинского алфавита, дефис и апостроф; не длиннее 60 символов",
    "Use Cyrillic or Latin letters, hyphens and apostrophes; at most 60 characters",
);
pub const PHONE_FORMAT: Msg = Msg::new(
    "Введите номер мобильного телефона, например +7 912 345-67-89",
    "Enter a mobile phone number, for example +7 912 345-67-89",
);
pub const PHONE_NOT_MOBILE: Msg = Msg::new(
    "Это не мобильный номер: на него нельзя отправить SMS",
    "This is not a mobile number: it cannot receive text messages",
);
pub const EMAIL_FORMAT: Msg = Msg::new(
    "Введите адрес электронной почты, например ivanova@mail.ru",
    "Enter an e-mail address, for example ivanova@mail.ru",
);
pub const PASSWORD_TOO_SHORT: Msg = Msg::new(
    "Пароль должен быть не короче 8 символов",
    "The password must be at least 8 characters long",
);
pub const PASSWORD_TOO_LONG: Msg = Msg::new(
    "Пароль должен быть не длиннее 128 символов",
    "The password must be at most 128 characters long",
);
pub const PASSWORD_NO_LOWER: Msg = Msg::new("Добавьте строчную букву", "Add a lower-case letter");
pub const PASSWORD_NO_UPPER: Msg = Msg::new("Добавьте заглавную букву", "Add an upper-case letter");
pub const PASSWORD_NO_DIGIT: Msg = Msg::new("Добавьте цифру", "Add a digit");
pub const PASSWORD_NO_SPECIAL: Msg = Msg::new(
    "Добавьте спецсимвол, например ! ? # %",
    "Add a special character such as ! ? # %",
);
pub const PASSWORD_COMMON: Msg = Msg::new(
    "Этот пароль слишком распространён, его легко подобрать. Придумайте другой",
    "This password is too common and easy to guess. Choose another",
);
pub const PASSWORD_PERSONAL: Msg = Msg::new(
    "Пароль не должен содержать ваш телефон, почту или имя",
    "The password must not contain your phone, e-mail or name",
);
pub const CONSENT_TERMS_REQUIRED: Msg = Msg::new(
    "Чтобы зарегистрироваться, примите пользовательское соглашение",
    "To create an account, accept the user agreement",
);
pub const CONSENT_PD_REQUIRED: Msg = Msg::new(
    "Чтобы зарегистрироваться, дайте согласие на обработку персональных данных",
    "To create an account, consent to the processing of your personal data",
);
pub const CODE_WRONG: Msg = Msg::new(
    "Неверный код. Проверьте цифры и попробуйте ещё раз",
    "Wrong code. Check the digits and try again",
);
pub const CODE_EXPIRED: Msg = Msg::new(
    "Срок действия кода истёк. Запросите новый код",
    "The code has expired. Request a new one",
);
pub const CODE_TOO_MANY: Msg = Msg::new(
    "Слишком много неверных попыток. Запросите новый код",
    "Too many wrong tries. Request a new code",
);
pub const CODE_USED: Msg = Msg::new(
    "Этот код уже использован",
    "This code has been used already",
);
pub const CODE_TOO_SOON: Msg = Msg::new(
    "Новый код можно запросить через минуту после предыдущего",
    "A new code can be requested a minute after the previous one",
);
pub const CODE_HOURLY_CAP: Msg = Msg::new(
    "Слишком много кодов за последний час. Попробуйте позже",
    "Too many codes in the last hour. Try again later",
);
pub const LOGIN_FAILED: Msg = Msg::new("Неверный логин или пароль", "Wrong login or password");
pub const REGISTRATION_EXPIRED: Msg = Msg::new(
    "Время на подтверждение истекло. Зарегистрируйтесь заново",
    "The time to confirm has run out. Please register again",
);
pub const ACCOUNT_EXISTS: Msg = Msg::new(
    "Учётная запись уже создана. Войдите с телефоном и паролем",
    "The account has been created already. Sign in with your phone and password",
);
pub const PASSWORDS_DIFFER: Msg = Msg::new("Пароли не совпадают", "The passwords do not match");
pub const CONTACT_FORMAT: Msg = Msg::new(
    "Введите номер мобильного телефона или адрес электронной почты",
    "Enter a mobile phone number or an e-mail address",
);

// Messages sent to people. `{code}` and `{until}` are filled in.
pub const SMS_REGISTER_CODE: Msg = Msg::new(
    "Кабинет: код подтверждения {code}. Никому его не сообщайте.",
    "Kabinet: your confirmation code is {code}. Do not share it.",
);
pub const SMS_LOGIN_CODE: Msg = Msg::new(
    "Кабинет: код для входа {code}. Никому его не сообщайте, даже сотрудникам.",
    "Kabinet: your sign-in code is {code}. Do not share it with anyone.",
);
pub const SMS_RECOVERY_CODE: Msg = Msg::new(
    "Кабинет: код для смены пароля {code}. Если вы не запрашивали смену пароля, не вводите его нигде.",
    "Kabinet: your password reset code is {code}. If you did not ask for it, do not enter it anywhere.",
);
pub const SMS_REGISTER_CONFLICT: Msg = Msg::new(
    "Кабинет: кто-то пытался зарегистрироваться с вашим номером. Если это вы — войдите или восстановите пароль.",
    "Kabinet: someone tried to register with your number. If it was you, sign in or reset your password.",
);
pub const SUBJECT_CONFIRM_EMAIL: Msg = Msg::new(
    "Подтвердите адрес электронной почты",
    "Confirm your e-mail address",
);
pub const SUBJECT_REGISTER_CONFLICT: Msg = Msg::new(
    "Попытка регистрации с вашим адресом",
    "A registration attempt with your address",
);
pub const SUBJECT_LOCKED: Msg = Msg::new(
    "Вход в кабинет временно заблокирован",
    "Signing in is temporarily blocked",
);
pub const SUBJECT_PASSWORD_CHANGED: Msg =
    Msg::new("Пароль изменён", "Your password has been changed");
pub const SUBJECT_RECOVERY_CODE: Msg = Msg::new("Код для смены пароля", "Your password reset code");
pub const SMS_LOCKED: Msg = Msg::new(
    "Кабинет: после нескольких неверных паролей вход заблокирован до {until} (МСК). Если это были не вы, смените пароль.",
    "Kabinet: after several wrong passwords signing in is blocked until {until} (Moscow time). If it was not you, change your password.",
);
pub const SMS_PASSWORD_CHANGED: Msg = Msg::new(
    "Кабинет: пароль изменён, другие сеансы завершены. Если это были не вы, обратитесь в поддержку.",
    "Kabinet: your password was changed and other sessions ended. If it was not you, contact support.",
);
