/** The Functions app's entry point: loads every registration. */
import './functions/http';
import './functions/queue';
