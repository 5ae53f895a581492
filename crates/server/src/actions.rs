//! The words for every action the audit log records, in both languages: the journal, its CSV and
//! the operator's search show these, never the stored code. The match is exhaustive, so a new
//! [`Action`] does not compile until it has its words.

use store::audit::Action;

use crate::web::i18n::Lang;

/// Russian and English words for an action.
pub fn words(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::DocumentCreated => ("Добавлен документ", "Document added"),
        Action::ApplicationStarted => ("Начато заявление", "Application started"),
        Action::ApplicationDraftSaved => ("Сохранён черновик заявления", "Application draft saved"),
        Action::ApplicationDraftDeleted => {
            ("Удалён черновик заявления", "Application draft deleted")
        }
        Action::ApplicationSubmitted => ("Подано заявление", "Application submitted"),
        Action::ApplicationWithdrawn => ("Заявление отозвано", "Application withdrawn"),
        Action::ApplicationViewed => (
            "Ведомство просмотрело заявление",
            "The agency viewed the application",
        ),
        Action::ApplicationTaken => (
            "Заявление взято на рассмотрение",
            "Application taken for review",
        ),
        Action::ApplicationAsked => ("Ведомство запросило уточнение", "The agency asked for more"),
        Action::ApplicationAnswered => ("Ответ на запрос ведомства", "Answer to the agency"),
        Action::ApplicationCorrectionSaved => (
            "Сохранено исправление ответов заявления",
            "Correction of an application saved",
        ),
        Action::ApplicationCorrected => (
            "Подписана исправленная версия заявления",
            "Corrected version of an application signed",
        ),
        Action::CatalogueAgencySaved => (
            "Ведомство в каталоге сохранено",
            "Agency saved in the catalogue",
        ),
        Action::CatalogueCategorySaved => ("Категория услуг сохранена", "Service category saved"),
        Action::CatalogueServiceCreated => ("Добавлена услуга", "Service added"),
        Action::CatalogueServiceChanged => ("Изменена услуга", "Service changed"),
        Action::ApplicationTemplateSaved => {
            ("Сохранён шаблон заявления", "Application template saved")
        }
        Action::ApplicationTemplateDeleted => {
            ("Удалён шаблон заявления", "Application template deleted")
        }
        Action::ApplicationCompleted => ("Заявление исполнено", "Application completed"),
        Action::ApplicationRejected => ("В заявлении отказано", "Application rejected"),
        Action::ApplicationNoted => (
            "Служебная заметка к заявлению",
            "Internal note on an application",
        ),
        Action::ApplicationFileOpened => (
            "Ведомство открыло файл заявления",
            "The agency opened a file of the application",
        ),
        Action::AgencyMemberAdded => (
            "Сотрудник добавлен в ведомство",
            "Officer added to an agency",
        ),
        Action::AgencyMemberRemoved => (
            "Сотрудник исключён из ведомства",
            "Officer removed from an agency",
        ),
        Action::AgencyKeyCreated => ("Выпущен ключ API ведомства", "Agency API key issued"),
        Action::AgencyKeyRevoked => ("Отозван ключ API ведомства", "Agency API key revoked"),
        Action::AgencyWebhookSet => (
            "Задан адрес уведомлений ведомства",
            "Agency webhook endpoint set",
        ),
        Action::AgencyWebhookRemoved => (
            "Удалён адрес уведомлений ведомства",
            "Agency webhook endpoint removed",
        ),
        Action::DocumentChanged => ("Изменены сведения документа", "Document details changed"),
        Action::DocumentFileAdded => ("Добавлен файл документа", "Document file added"),
        Action::DocumentFileReplaced => {
            ("Загружена новая версия файла", "New file version uploaded")
        }
        Action::DocumentDownloaded => ("Скачан файл документа", "Document file downloaded"),
        Action::DocumentViewed => ("Просмотрен файл документа", "Document file viewed"),
        Action::DocumentDeleted => (
            "Документ перемещён в корзину",
            "Document moved to the trash",
        ),
        Action::DocumentRestored => ("Документ восстановлен", "Document restored"),
        Action::DocumentArchived => ("Документ перемещён в архив", "Document archived"),
        Action::DocumentPurged => ("Документ удалён навсегда", "Document deleted for good"),
        Action::ReminderSent => ("Отправлено напоминание о сроке", "Deadline reminder sent"),
        Action::SessionSignedIn => ("Вход в кабинет", "Signed in"),
        Action::SecurityPasskeyAdded => ("Добавлен ключ доступа", "Passkey added"),
        Action::SecurityPasskeyRenamed => ("Ключ доступа переименован", "Passkey renamed"),
        Action::SecurityPasskeyRemoved => ("Удалён ключ доступа", "Passkey removed"),
        Action::SessionSignedOut => ("Выход из кабинета", "Signed out"),
        Action::SessionSignedOutEverywhere => {
            ("Выход на всех устройствах", "Signed out everywhere")
        }
        Action::ProfileUpdated => ("Изменены личные данные", "Personal data changed"),
        Action::UserCreated | Action::UserRegistered => {
            ("Создана учётная запись", "Account created")
        }
        Action::UserLocked => (
            "Вход заблокирован после неверных паролей",
            "Sign-in locked after wrong passwords",
        ),
        Action::UserUnlocked => ("Блокировка входа снята", "Sign-in lock lifted"),
        Action::AccountDeletionRequested => (
            "Отозвано согласие, запрошено удаление учётной записи",
            "Consent withdrawn, account deletion requested",
        ),
        Action::AccountDeletionCancelled => (
            "Удаление учётной записи отменено",
            "Account deletion cancelled",
        ),
        Action::AccountErased => ("Учётная запись удалена", "Account erased"),
        Action::SubscriptionSubscribed => ("Подписка на рассылку", "Subscribed to a mailing"),
        Action::SubscriptionPaused => ("Рассылка приостановлена", "Mailing paused"),
        Action::SubscriptionUnsubscribed => ("Отписка от рассылки", "Unsubscribed from a mailing"),
        Action::SubscriptionUnsubscribedAll => {
            ("Отписка от всех рассылок", "Unsubscribed from all mailings")
        }
        Action::UserPasswordChanged => ("Изменён пароль", "Password changed"),
        Action::UserPasswordRecovered => ("Пароль восстановлен", "Password recovered"),
        Action::UserPhoneChanged => ("Изменён телефон", "Phone changed"),
        Action::UserEmailChanged => ("Изменена почта", "E-mail changed"),
        Action::NotificationSettingsChanged => (
            "Изменены настройки уведомлений",
            "Notification settings changed",
        ),
        Action::CalendarFeedCreated => ("Создана ссылка на календарь", "Calendar link made"),
        Action::CalendarFeedRemoved => ("Календарь выключен", "Calendar turned off"),
        Action::ApiTokenIssued => ("Выдан ключ API", "API key issued"),
        Action::ApiTokenRevoked => ("Отозван ключ API", "API key revoked"),
        Action::SessionConfirmed | Action::ApiTokenConfirmed => (
            "Подтверждена личность паролем",
            "Identity confirmed with the password",
        ),
        Action::SessionConfirmationFailed | Action::ApiTokenConfirmationFailed => (
            "Неверный пароль или код при подтверждении",
            "Wrong password or code when confirming",
        ),
        Action::UserEmailConfirmed => ("Почта подтверждена", "E-mail confirmed"),
        Action::RegistrationStarted => ("Начата регистрация", "Registration started"),
        Action::PersonalDataExported => ("Выгружены все данные (ZIP)", "All data downloaded (ZIP)"),
        Action::NotificationSettingsReminderDaysChanged => {
            ("Изменены дни напоминаний о сроках", "Reminder days changed")
        }
        Action::NotificationSettingsUnsubscribed => (
            "Отписка от уведомлений по ссылке из письма",
            "Unsubscribed from notices by the link in a letter",
        ),
        Action::PushSubscribed => (
            "Включены уведомления в браузере",
            "Browser notifications on",
        ),
        Action::PushUnsubscribed => (
            "Выключены уведомления в браузере",
            "Browser notifications off",
        ),
        Action::RecoveryRequestFiled => (
            "Подана заявка на восстановление доступа",
            "Access recovery request filed",
        ),
        Action::SecurityIdleTimeoutChanged => (
            "Изменено время выхода при бездействии",
            "Inactivity sign-out time changed",
        ),
        Action::SecurityNotMe => (
            "«Это был не я»: завершены другие сеансы",
            "“This was not me”: other sessions ended",
        ),
        Action::SecurityRecoveryCodesRenewed => (
            "Выпущены новые коды восстановления",
            "New recovery codes issued",
        ),
        Action::SecuritySecondFactorDisabled => (
            "Выключена двухфакторная защита",
            "Two-factor protection turned off",
        ),
        Action::SecuritySmsFactorEnabled => (
            "Включены коды по SMS при входе",
            "SMS codes at sign-in turned on",
        ),
        Action::SecurityTotpEnabled => (
            "Подключено приложение-аутентификатор",
            "Authenticator app set up",
        ),
        Action::SecurityTotpStarted => (
            "Начато подключение приложения-аутентификатора",
            "Authenticator app setup started",
        ),
        Action::SessionEnded => ("Сеанс завершён", "Session ended"),
        Action::SessionSecondFactorFailed => (
            "Неверный код второго шага при входе",
            "Wrong second-step code at sign-in",
        ),
        Action::SessionSignedOutElsewhere => (
            "Завершены сеансы на других устройствах",
            "Sessions on other devices ended",
        ),
        Action::BulletinPublished => ("Опубликована рассылка", "Bulletin published"),
        Action::DocumentKindChanged => ("Изменён вид документа", "Document kind changed"),
        Action::JobRetried => ("Доставка отправлена повторно", "Delivery retried"),
        Action::OperatorAuditSearched => ("Поиск по журналу аудита", "Audit log searched"),
        Action::StorageOrphansRemoved => (
            "Удалены файлы без документа",
            "Files without a document removed",
        ),
    }
}

/// The words on a document's own history, where the document goes without saying («Файл скачан»
/// rather than «Скачан файл документа»); other actions keep their journal words.
fn document_words(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::DocumentCreated => ("Документ добавлен", "Document added"),
        Action::DocumentChanged => ("Сведения изменены", "Details changed"),
        Action::DocumentFileAdded => ("Файл добавлен", "File added"),
        Action::DocumentFileReplaced => {
            ("Загружена новая версия файла", "New file version uploaded")
        }
        Action::DocumentDownloaded => ("Файл скачан", "File downloaded"),
        Action::DocumentViewed => ("Файл просмотрен", "File viewed"),
        Action::DocumentDeleted => ("Перемещён в корзину", "Moved to the trash"),
        Action::DocumentRestored => ("Восстановлен из корзины", "Restored from the trash"),
        Action::DocumentArchived => ("Перемещён в архив", "Moved to the archive"),
        Action::DocumentPurged => ("Удалён навсегда", "Deleted for good"),
        other => words(other),
    }
}

/// Who did it, when it was not the person: said after the action on a document's history.
fn by_whom(actor: &str, lang: Lang) -> &'static str {
    match actor {
        "system" => lang.pick(" (автоматически)", " (automatically)"),
        "officer" => lang.pick(" (сотрудник ведомства)", " (agency officer)"),
        "agency_system" => lang.pick(" (система ведомства)", " (the agency's system)"),
        "operator" => lang.pick(" (оператор)", " (operator)"),
        _ => "",
    }
}

/// A line of a document's history: the action in the document's own words and who did it.
pub fn on_document(code: &str, actor: &str, lang: Lang) -> String {
    let Some(action) = Action::from_code(code) else {
        return code.to_owned();
    };
    let (ru, en) = document_words(action);
    format!("{}{}", lang.pick(ru, en), by_whom(actor, lang))
}

/// The words for a stored code in the language asked; a code no version wrote is shown as it is.
pub fn label(code: &str, lang: Lang) -> String {
    match Action::from_code(code) {
        Some(action) => {
            let (ru, en) = words(action);
            lang.pick(ru, en).to_owned()
        }
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_words_in_both_languages() {
        for action in Action::ALL {
            let (ru, en) = words(*action);
            assert!(!ru.is_empty() && !en.is_empty(), "{action:?}");
            assert_ne!(ru, action.code(), "{action:?} is shown as its code");
            assert_ne!(en, action.code(), "{action:?} is shown as its code");
            assert!(
                ru.chars()
                    .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c))),
                "{action:?}: the Russian words are Russian"
            );
            assert!(
                !en.contains(|c: char| ('а'..='я').contains(&c)),
                "{action:?}"
            );
            assert_eq!(Action::from_code(action.code()), Some(*action));
            assert_eq!(label(action.code(), Lang::Ru), ru);
            assert_eq!(label(action.code(), Lang::En), en);
        }
    }

    #[test]
    fn the_export_is_named_in_words() {
        assert_eq!(
            label("personal_data.exported", Lang::Ru),
            "Выгружены все данные (ZIP)"
        );
    }

    #[test]
    fn a_documents_history_says_what_happened_in_its_own_words_and_who_did_it() {
        assert_eq!(
            on_document("document.downloaded", "citizen", Lang::Ru),
            "Файл скачан"
        );
        assert_eq!(
            on_document("document.archived", "system", Lang::En),
            "Moved to the archive (automatically)"
        );
        assert_eq!(
            on_document("reminder.sent", "system", Lang::Ru),
            "Отправлено напоминание о сроке (автоматически)",
            "other actions keep the journal's words"
        );
        assert_eq!(on_document("made.up", "citizen", Lang::Ru), "made.up");
    }
}
